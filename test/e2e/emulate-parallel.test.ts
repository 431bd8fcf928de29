/**
 * @fileoverview `fastml emulate` on several threads (src/emulator/parallel.ts) against one thread,
 * through the built CLI (worker threads run dist/emulator/worker.js: `npm run build` first, as
 * `npm test` does): the same output bytes and the same overflow table, with workers forced to start
 * (FASTML_PARALLEL_FORCE=1) on a batch long enough for them to take chunks, and on a batch so short
 * that the calling thread may finish before the worker is ready (it is then cancelled).
 */

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { dataDir } from '../helpers/data.js';

const root = process.cwd();
const bin = path.join(root, 'bin/fastml.js');
const caseDir = path.join(dataDir, 'reference/hls4ml/jet_mlp_3layer_model_stable');
const model = path.join(dataDir, 'models/jet_mlp_3layer/KERAS_3layer.json');

function emulate(input: string, out: string, workers: number, force: boolean): { json: Record<string, unknown>; bytes: Buffer } {
  const args = [bin, 'emulate', model, '--config', path.join(caseDir, 'config.yml'), '--input', input, '--output', out, '--overflow', '--json', '--workers', String(workers)];
  const env = { ...process.env, ...(force ? { FASTML_PARALLEL_FORCE: '1' } : {}) };
  const stdout = execFileSync(process.execPath, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { json: JSON.parse(stdout) as Record<string, unknown>, bytes: readFileSync(out) };
}

describe('emulate on several threads', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-par-'));
  it('needs the built CLI', () => expect(existsSync(path.join(root, 'dist/emulator/worker.js')), 'run npm run build').toBe(true));

  for (const samples of [100000, 300]) {
    it(`${samples} samples: same outputs and overflow table as one thread`, () => {
      const X = decodeNpy(new Uint8Array(readFileSync(path.join(caseDir, 'X.npy'))));
      const m = X.data.length / X.shape[0]!;
      const data = new Float64Array(samples * m);
      // The reference inputs, scaled up on every third pass so that layers overflow and wrap.
      for (let s = 0; s < samples; s++) for (let i = 0; i < m; i++) data[s * m + i] = X.data[(s % X.shape[0]!) * m + i]! * (1 + (Math.floor(s / X.shape[0]!) % 3) * 7);
      const input = path.join(tmp, `x${samples}.npy`);
      writeFileSync(input, encodeNpy({ shape: [samples, m], data }));
      const one = emulate(input, path.join(tmp, `one${samples}.npy`), 1, false);
      const two = emulate(input, path.join(tmp, `two${samples}.npy`), 2, true);
      expect(one.json['threads']).toBe(1);
      // 100 000 samples with accounting keep the calling thread busy well past a worker's start-up.
      if (samples > 10000) expect(two.json['threads']).toBe(2);
      expect(two.bytes.equals(one.bytes)).toBe(true);
      const rows = one.json['overflow'] as Array<Record<string, unknown>>;
      expect(rows.some((r) => Number(r['wrapped']) > 0)).toBe(true);
      expect(two.json['overflow']).toEqual(rows);
    });
  }
});
