/**
 * @fileoverview The quick fuzz run of `npm test`: FASTML_FUZZ_CASES cases (default 2000) of the
 * mutation fuzzer (src/tools/fuzz) with a fixed seed, through the compiled CLI in worker threads,
 * a 20 s per-case deadline and a 2048 MB memory limit. It fails on any crash, hang or run over the
 * memory limit, and lists the cases to reproduce (`npm run fuzz -- --only K --seed S --save DIR`).
 * A second test checks that the fuzzer itself notices a case over its deadline, so a broken
 * harness cannot pass silently.
 */

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataDir } from '../helpers/data.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/tools/fuzz/cli.js');
const cases = Number(process.env['FASTML_FUZZ_CASES'] ?? 2000);
const seed = Number(process.env['FASTML_FUZZ_SEED'] ?? 20261206);

function ensureBuilt(): void {
  // `npm test` builds dist/ first; build it here when the test runs alone.
  if (!existsSync(cli)) spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'ignore' });
}

function fuzz(args: string[]): { status: number | null; json: any; stderr: string } {
  const r = spawnSync(process.execPath, [cli, '--json', '--data', dataDir, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, stderr: r.stderr };
}

describe('fuzz', () => {
  it(`${cases} mutated inputs: no crash, no hang (20 s), nothing over 2048 MB`, () => {
    ensureBuilt();
    const r = fuzz(['--cases', String(cases), '--seed', String(seed), '--workers', '2', '--deadline', '20', '--memory', '2048']);
    expect(r.json, r.stderr).toBeDefined();
    const total = { ok: 0, leak: 0, crash: 0, hang: 0, memory: 0 };
    for (const c of Object.values(r.json.counts) as Array<typeof total>) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += c[k];
    const bad = (r.json.bad as Array<{ outcome: { id: number; kind: string; reason?: string }; what: string; argv: string[] }>)
      .filter((b) => b.outcome.kind !== 'leak')
      .map((b) => `#${b.outcome.id} ${b.outcome.kind}: ${b.what} | fastml ${b.argv.join(' ')} | ${b.outcome.reason ?? ''}`);
    expect(bad, `reproduce with: npm run fuzz -- --seed ${seed} --only K --save DIR`).toEqual([]);
    expect(total.crash + total.hang + total.memory).toBe(0);
    expect(total.ok + total.leak).toBe(cases);
    // Every family ran and most cases were answered with a diagnostic or a result.
    expect(Object.keys(r.json.counts)).toHaveLength(8);
    expect(total.ok).toBeGreaterThan(cases * 0.9);
    expect(r.status).toBe(0);
  }, 900_000);

  it('reports a case over its deadline as a hang and exits 1 (the harness can fail)', () => {
    ensureBuilt();
    const r = fuzz(['--only', '3', '--seed', '1', '--deadline', '0.001', '--workers', '1']);
    expect(r.json.bad.map((b: { outcome: { kind: string } }) => b.outcome.kind)).toEqual(['hang']);
    expect(r.status).toBe(1);
  }, 120_000);
});
