/**
 * @fileoverview Every command that runs the pass pipeline prints its diagnostics the same way, through
 * one function (src/cli/model-args.ts reportPipelineDiagnostics): the info notes of the passes (here
 * FML4014, hls4ml's `weight: ap_int<N>` spelling of a po2 exponent type, on two layers) reach the
 * user from emulate, check, compile, estimate, report, sweep and serve alike, line for line, on
 * stderr (stdout stays one JSON document with --json), and the global --quiet drops the notes but
 * keeps the warnings.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { startServer } from '../../src/serve/server.js';
import { dataDir } from '../helpers/data.js';
import { po2Model } from '../helpers/po2-model.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-pipeline-notes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const cfg = path.join(tmp, 'po2.yml');
copyFileSync(path.join(dataDir, 'configs/qkeras_po2_mlp.yml'), cfg);
let model = '';

/** The pipeline's note lines on stderr (FML4014, one per po2 layer). */
const noteLines = (err: string): string[] => err.split('\n').filter((l) => /^info FML4014: /.test(l));
/** The configuration's warning lines (FML4013: `Strategy: Stable` on the softmax), kept by --quiet. */
const warningLines = (err: string): string[] => err.split('\n').filter((l) => /^warning FML401\d: /.test(l));

describe('pipeline notes: the same from every command', () => {
  let expected: string[] = [];

  it('emulate prints the notes of both po2 layers', async () => {
    model = await po2Model(tmp);
    const r = await cli('emulate', model, '-c', cfg, '-i', 'random:4', '-o', 'y.npy');
    expect(r.code).toBe(0);
    expected = noteLines(r.err);
    expect(expected).toHaveLength(2);
    expect(expected[0]).toMatch(/fc1.*quantized_po2 exponent type/);
    expect(expected[1]).toMatch(/fc2.*quantized_po2 exponent type/);
  });

  it('check, compile and estimate print the same lines', async () => {
    const c = await cli('check', model, '-c', cfg, '-i', 'random:4');
    expect([0, 1]).toContain(c.code);
    expect(noteLines(c.err)).toEqual(expected);
    const k = await cli('compile', model, '-c', cfg, '-o', 'prj', '--samples', '2');
    expect(k.code).toBe(0);
    expect(noteLines(k.err)).toEqual(expected);
    const e = await cli('estimate', model, '-c', cfg);
    expect(e.code).toBe(0);
    expect(noteLines(e.err)).toEqual(expected);
    // The notes are not in the estimate's own output.
    expect(e.out).not.toMatch(/FML4014/);
  });

  it('report (model page), estimate --json, estimate --sweep and sweep print the same lines; --json keeps stdout JSON', async () => {
    const rep = await cli('report', model, '-c', cfg, '--json');
    expect(rep.code).toBe(0);
    expect(noteLines(rep.err)).toEqual(expected);
    expect(() => JSON.parse(rep.out)).not.toThrow();
    const ej = await cli('estimate', model, '-c', cfg, '--json');
    expect(noteLines(ej.err)).toEqual(expected);
    expect(() => JSON.parse(ej.out)).not.toThrow();
    const es = await cli('estimate', model, '-c', cfg, '--sweep', 'reuse=1,2');
    expect(es.code).toBe(0);
    expect(noteLines(es.err)).toEqual(expected);
    const sw = await cli('sweep', model, '-c', cfg, '--grid', 'reuse=1,2', '--out', 'sw');
    expect(sw.code).toBe(0);
    // Two design points, each note said once.
    expect(noteLines(sw.err)).toEqual(expected);
  });

  it('serve prints the same lines when it loads the model', async () => {
    const io = memoryIO(tmp);
    const batching = { maxBatch: 1, delayUs: 0, workers: 0, poolMinBatch: 1 };
    const server = await startServer({ models: [{ file: model, name: 'po2', config: cfg }], host: '127.0.0.1', batching, maxRequestBytes: 1 << 20, version: 'test' }, io);
    await server.stop();
    expect(noteLines(io.stderr)).toEqual(expected);
  });

  it('--quiet drops the notes (the pipeline\'s and the configuration\'s) and keeps the warnings', async () => {
    for (const argv of [
      ['emulate', model, '-c', cfg, '-i', 'random:4', '-o', 'yq.npy'],
      ['compile', model, '-c', cfg, '-o', 'prjq', '--samples', '2'],
      ['estimate', model, '-c', cfg],
    ]) {
      const loud = await cli(...argv.map((a) => a.replace(/q(\.npy)?$/, '2$1')));
      const quiet = await cli('--quiet', ...argv);
      expect(quiet.code).toBe(0);
      expect(noteLines(loud.err)).toEqual(expected);
      expect(noteLines(quiet.err)).toEqual([]);
      expect(quiet.err).not.toMatch(/^info /m);
      expect(warningLines(quiet.err).length).toBeGreaterThan(0);
      expect(warningLines(quiet.err)).toEqual(warningLines(loud.err));
    }
  });
});
