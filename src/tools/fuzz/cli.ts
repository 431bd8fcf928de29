/**
 * @fileoverview `npm run fuzz -- --cases N --seed S`: the mutation fuzzer over the test models.
 *
 * Cases are built here (deterministically from the seed and the case number, so any case can be
 * rebuilt with `--only K`) and run in-process by a pool of worker threads through the real CLI
 * entry point. Each case is classified as ok (exit 0/1/2 with a clear message), leak (exit 1/2
 * but the message shows a JavaScript error), crash (exit 3, an exception, an unhandled
 * rejection), hang (over the per-case deadline) or memory (over the memory limit), and a count
 * table per mutation family is printed. Exit status: 0 when there was no crash, hang or memory
 * case (and, with --strict, no leak), 1 otherwise, 2 for bad flags.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, caseSeed } from './rng.js';
import { loadSeeds } from './seeds.js';
import { FAMILY_BUILDERS } from './families.js';
import type { FamilyContext, H5Editor } from './families.js';
import { runCases } from './runner.js';
import { FAMILIES } from './types.js';
import type { CaseOutcome, Family, FuzzCase, Verdict } from './types.js';

interface Flags {
  cases: number;
  seed: number;
  workers: number;
  deadlineMs: number;
  memoryMb: number;
  families: Family[];
  only?: number;
  save?: string;
  data: string;
  json: boolean;
  strict: boolean;
}

const USAGE = `usage: npm run fuzz -- [--cases N] [--seed S] [--workers W] [--deadline SECONDS] [--memory MB]
                     [--family F[,F...]] [--only K] [--save DIR] [--data DIR] [--json] [--strict]
  --cases N        number of cases (default 2000)
  --seed S         run seed (default 1); case K of seed S is always the same case
  --workers W      worker threads (default: cores, at most 4)
  --deadline S     per-case deadline in seconds (default 20); over it = hang
  --memory MB      per-case memory limit (default 2048); over it = memory
  --family F       only these families: ${FAMILIES.join(', ')}
  --only K         run only case K (to reproduce one)
  --save DIR       write every non-ok case (files + argv.json) under DIR
  --data DIR       seed data folder (default: test/fixtures)
  --json           print the results as JSON
  --strict         also fail on leaks (messages that show internal errors)`;

function parseFlags(argv: string[]): Flags {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const f: Flags = {
    cases: 2000,
    seed: 1,
    workers: Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length)),
    deadlineMs: 20_000,
    memoryMb: 2048,
    families: [...FAMILIES],
    data: process.env['FASTML_SHARED_DIR'] ?? path.join(root, 'test', 'fixtures'),
    json: false,
    strict: false,
  };
  const num = (k: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) {
      process.stderr.write(`fuzz: ${k} needs a number >= ${min}\n${USAGE}\n`);
      process.exit(2);
    }
    return n;
  };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    const v = argv[k + 1];
    switch (a) {
      case '--cases': f.cases = Math.floor(num(a, v, 1)); k++; break;
      case '--seed': f.seed = Math.floor(num(a, v, 0)); k++; break;
      case '--workers': f.workers = Math.floor(num(a, v, 1)); k++; break;
      case '--deadline': f.deadlineMs = num(a, v, 0.001) * 1000; k++; break;
      case '--memory': f.memoryMb = Math.floor(num(a, v, 64)); k++; break;
      case '--only': f.only = Math.floor(num(a, v, 0)); k++; break;
      case '--save': f.save = path.resolve(v ?? '.'); k++; break;
      case '--data': f.data = path.resolve(v ?? '.'); k++; break;
      case '--family': {
        const fs = (v ?? '').split(',') as Family[];
        if (!fs.every((x) => (FAMILIES as readonly string[]).includes(x))) {
          process.stderr.write(`fuzz: --family takes ${FAMILIES.join(', ')}\n`);
          process.exit(2);
        }
        f.families = fs;
        k++;
        break;
      }
      case '--json': f.json = true; break;
      case '--strict': f.strict = true; break;
      case '-h': case '--help': process.stdout.write(USAGE + '\n'); process.exit(0);
      default:
        process.stderr.write(`fuzz: unknown flag ${a}\n${USAGE}\n`);
        process.exit(2);
    }
  }
  return f;
}

/** HDF5 editing for the hdf5 family, in memory (h5wasm's browser build keeps its files in MEMFS). */
async function h5Editor(): Promise<H5Editor> {
  const h5wasm: any = (await import('h5wasm')).default;
  const Module = await h5wasm.ready;
  // Edits that do not apply (an attribute that is not there) throw instead of printing HDF5's stack.
  Module.activate_throwing_error_handler();
  let n = 0;
  return {
    edit(bytes, edit) {
      const name = `/fuzz_${++n}.h5`;
      Module.FS.writeFile(name, bytes);
      let f: any;
      try {
        f = new h5wasm.File(name, 'a');
        edit(f, h5wasm);
        f.flush();
        f.close();
        f = undefined;
        return Module.FS.readFile(name) as Uint8Array;
      } catch {
        return undefined;
      } finally {
        try {
          f?.close();
        } catch {
          /* closed */
        }
        Module.FS.unlink(name);
      }
    },
  };
}

const VERDICTS: readonly Verdict[] = ['ok', 'leak', 'crash', 'hang', 'memory'];

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function formatTable(counts: Map<Family, Record<Verdict, number>>, times: Map<Family, number[]>): string {
  const head = ['family', 'cases', ...VERDICTS, 'median ms'];
  const rows: string[][] = [];
  const total: Record<Verdict, number> = { ok: 0, leak: 0, crash: 0, hang: 0, memory: 0 };
  for (const [fam, c] of counts) {
    const n = VERDICTS.reduce((a, v) => a + c[v], 0);
    rows.push([fam, String(n), ...VERDICTS.map((v) => String(c[v])), median(times.get(fam) ?? []).toFixed(0)]);
    for (const v of VERDICTS) total[v] += c[v];
  }
  rows.push(['total', String(VERDICTS.reduce((a, v) => a + total[v], 0)), ...VERDICTS.map((v) => String(total[v])), median([...times.values()].flat()).toFixed(0)]);
  const width = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (r: string[]) => r.map((c, k) => (k === 0 ? c.padEnd(width[k]!) : c.padStart(width[k]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

async function run(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const t0 = Date.now();
  const corpus = await loadSeeds(flags.data);
  if (corpus.models.length === 0) {
    process.stderr.write(`fuzz: no seed models under ${flags.data}/models\n`);
    return 2;
  }
  const ctx: FamilyContext = { corpus, h5: await h5Editor() };
  const root = mkdtempSync(path.join(os.tmpdir(), 'fastml-fuzz-'));
  const counts = new Map<Family, Record<Verdict, number>>(flags.families.map((f) => [f, { ok: 0, leak: 0, crash: 0, hang: 0, memory: 0 }]));
  const times = new Map<Family, number[]>(flags.families.map((f) => [f, []]));
  const bad: Array<{ outcome: CaseOutcome; what: string; argv: readonly string[] }> = [];
  const ids = flags.only !== undefined ? [flags.only] : Array.from({ length: flags.cases }, (_, k) => k);
  let k = 0;
  let done = 0;
  let slowest = 0;
  const build = (id: number): FuzzCase => {
    const rng = new Rng(caseSeed(flags.seed, id));
    const family = flags.families[id % flags.families.length]!;
    try {
      return { id, family, ...FAMILY_BUILDERS[family](rng, ctx) };
    } catch (e) {
      // A mutation that does not apply to the seed it drew (a bug of the fuzzer, not of fastml)
      // becomes a byte mutation, so the case count stays what was asked.
      return { id, family, ...FAMILY_BUILDERS.bytes(new Rng(caseSeed(flags.seed, id)), ctx), what: `bytes (builder failed: ${(e as Error).message})` };
    }
  };
  const progress = !flags.json && process.stderr.isTTY;
  // Ctrl-C / SIGTERM: no new cases; the ones running finish and the table covers what ran.
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await runCases(() => (!stopped && k < ids.length ? build(ids[k++]!) : undefined), {
      workers: Math.min(flags.workers, ids.length),
      deadlineMs: flags.deadlineMs,
      memoryMb: flags.memoryMb,
      root,
      onResult(r, c) {
        counts.get(c.family)![r.kind]++;
        times.get(c.family)!.push(r.ms);
        slowest = Math.max(slowest, r.ms);
        if (r.kind !== 'ok') {
          bad.push({ outcome: r, what: c.what, argv: c.argv });
          if (flags.save) {
            const dir = path.join(flags.save, `case_${c.id}_${r.kind}`);
            mkdirSync(dir, { recursive: true });
            for (const [name, bytes] of Object.entries(c.files)) writeFileSync(path.join(dir, name), bytes);
            for (const d of c.dirs ?? []) mkdirSync(path.join(dir, d), { recursive: true });
            writeFileSync(path.join(dir, 'argv.json'), JSON.stringify({ argv: c.argv, what: c.what, outcome: r }, null, 2) + '\n');
          }
        }
        done++;
        if (progress && done % 100 === 0) process.stderr.write(`\r${done}/${ids.length} cases`);
      },
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  if (progress) process.stderr.write('\n');
  const secs = (Date.now() - t0) / 1000;
  const failing = bad.filter((b) => b.outcome.kind !== 'leak' || flags.strict);
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  if (flags.json) {
    process.stdout.write(JSON.stringify({ seed: flags.seed, cases: done, ...(stopped ? { stoppedAfter: done, asked: ids.length } : {}), seconds: secs, load, deadlineMs: flags.deadlineMs, memoryMb: flags.memoryMb, slowestMs: Math.round(slowest), counts: Object.fromEntries(counts), medianMs: Object.fromEntries([...times].map(([f, t]) => [f, Math.round(median(t))])), bad }, null, 2) + '\n');
  } else {
    if (stopped) process.stdout.write(`fastml fuzz: stopped by a signal after ${done} of ${ids.length} cases\n`);
    process.stdout.write(`fastml fuzz: ${done} cases, seed ${flags.seed}, ${flags.workers} workers, deadline ${flags.deadlineMs / 1000} s, memory ${flags.memoryMb} MB, ${secs.toFixed(0)} s (load average ${load}), slowest case ${(slowest / 1000).toFixed(1)} s\n\n`);
    process.stdout.write(formatTable(counts, times) + '\n');
    if (bad.length) {
      process.stdout.write('\nNot ok (reproduce with --only K --seed S --save DIR):\n');
      for (const b of bad.slice(0, 200))
        process.stdout.write(`  #${b.outcome.id} ${b.outcome.family} ${b.outcome.kind}: ${b.what} | fastml ${b.argv.map((a) => (a.length > 40 ? a.slice(0, 37) + '...' : a)).join(' ')}\n      ${b.outcome.reason ?? ''}\n`);
    }
  }
  return failing.length ? 1 : 0;
}

run().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`fuzz: ${(e as Error)?.stack ?? e}\n`);
    process.exit(3);
  },
);
