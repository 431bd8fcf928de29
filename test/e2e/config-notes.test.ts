/**
 * @fileoverview Every command that reads an hls4ml configuration reports its diagnostics the same
 * way (one shared path, src/cli/model-args.ts reportConfigDiagnostics): the warnings and the info
 * notes about keys hls4ml writes for its own run (FML4015 / FML4016 / FML4017) are printed by
 * emulate, check, compile, estimate, report, sweep and serve alike, line for line. A note that says the
 * same at several keys is one line naming how many more.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { configDiagnosticLines } from '../../src/cli/model-args.js';
import { startServer } from '../../src/serve/server.js';
import { diag } from '../../src/diagnostics/diagnostic.js';
import { dataDir } from '../helpers/data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-notes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const model = path.join(dataDir, 'models/jet_mlp_3layer/keras_3layer.h5');
const cfg = path.join(tmp, 'hls4ml_config.yml');
// Keys hls4ml writes about its own run (notes), one misspelled key (a warning), and the same
// note at two keys (ConvImplementation in two LayerType blocks).
writeFileSync(
  cfg,
  [
    'Backend: Vivado',
    'ClockPeriod: 5',
    'HLSConfig:',
    '  Flows: []',
    '  LayerType:',
    '    Dense:',
    '      ConvImplementation: LineBuffer',
    '    Activation:',
    '      ConvImplementation: LineBuffer',
    '  Model:',
    '    BramFactor: 1000000000',
    '    Precision: fixed<16,6>',
    '    ReuseFactor: 1',
    '    ReuseFactr: 2',
    '    Strategy: Latency',
    '    TraceOutput: false',
    'IOType: io_parallel',
    'InputData: null',
    'OutputPredictions: null',
    'Stamp: 1a2b3c4d',
    'Version: 1.0.0',
    'WriterConfig:',
    '  Namespace: null',
    '  WriteTar: false',
    '  WriteWeightsTxt: true',
    '',
  ].join('\n'),
);

/** The lines of stderr that are the configuration's own diagnostics (codes FML4010-4017). */
const configLines = (err: string): string[] =>
  err
    .split('\n')
    .filter((l) => /^(info|warning) FML401[0-7]: /.test(l));

describe('config diagnostics: the same from every command', () => {
  const runs: Record<string, string[]> = {};

  it('emulate prints the notes and the warning', async () => {
    const r = await cli('emulate', model, '-c', cfg, '-i', 'random:4', '-o', 'y.npy');
    expect(r.code).toBe(0);
    runs.emulate = configLines(r.err);
    const lines = runs.emulate;
    expect(lines.filter((l) => l.startsWith('info FML4015')).length).toBe(7);
    expect(lines.some((l) => /^info FML4015: .*\/Stamp: Stamp 1a2b3c4d/.test(l))).toBe(true);
    expect(lines.some((l) => /^info FML4015: .*\/Version: Version 1\.0\.0/.test(l))).toBe(true);
    expect(lines.some((l) => /^info FML4015: .*\/HLSConfig\/Flows: Flows is empty/.test(l))).toBe(true);
    // hls4ml's writer puts ConvImplementation into every block: one line, "also at 1 more key".
    expect(lines.filter((l) => /ConvImplementation LineBuffer/.test(l))).toHaveLength(1);
    expect(lines.find((l) => /ConvImplementation LineBuffer/.test(l))).toMatch(/\(also at 1 more key: \/HLSConfig\/LayerType\/Activation\/ConvImplementation\)$/);
    expect(lines.filter((l) => l.startsWith('warning FML4010'))).toEqual([expect.stringMatching(/\/HLSConfig\/Model\/ReuseFactr: unknown Model block key "ReuseFactr"/)]);
    expect(r.err).toContain('did you mean "ReuseFactor"?');
  });

  it('check prints the same lines', async () => {
    const r = await cli('check', model, '-c', cfg, '-i', 'random:4');
    expect([0, 1]).toContain(r.code);
    runs.check = configLines(r.err);
    expect(runs.check).toEqual(runs.emulate);
  });

  it('compile prints the same lines (notes included, not only warnings)', async () => {
    const r = await cli('compile', model, '-c', cfg, '-o', 'prj', '--samples', '2');
    expect(r.code).toBe(0);
    expect(configLines(r.err)).toEqual(runs.emulate);
  });

  it('estimate prints the same lines', async () => {
    const r = await cli('estimate', model, '-c', cfg);
    expect(r.code).toBe(0);
    expect(configLines(r.err)).toEqual(runs.emulate);
  });

  it('report (model page) and sweep print the same lines', async () => {
    const rep = await cli('report', model, '-c', cfg, '--json');
    expect(rep.code).toBe(0);
    expect(configLines(rep.err)).toEqual(runs.emulate);
    const sw = await cli('sweep', model, '-c', cfg, '--grid', 'reuse=1', '--out', 'sw');
    expect(sw.code).toBe(0);
    expect(configLines(sw.err)).toEqual(runs.emulate);
  });

  it('serve prints the same lines when it loads the model (no port opened here)', async () => {
    const io = memoryIO(tmp);
    const batching = { maxBatch: 1, delayUs: 0, workers: 0, poolMinBatch: 1 };
    const server = await startServer({ models: [{ file: model, name: 'mlp', config: cfg }], host: '127.0.0.1', batching, maxRequestBytes: 1 << 20, version: 'test' }, io);
    await server.stop();
    expect(configLines(io.stderr)).toEqual(runs.emulate);
  });
});

describe('configDiagnosticLines', () => {
  it('groups one message at several keys into one line, keeps different messages apart', () => {
    const at = (p: string, msg = 'm') => diag('FML4015', msg, { file: 'c.yml', jsonPointer: p }, undefined, 'info');
    const lines = configDiagnosticLines([at('/a'), at('/b'), at('/c'), at('/d'), at('/e'), at('/x', 'other'), diag('FML4010', 'm', { file: 'c.yml', jsonPointer: '/a' }, undefined, 'warning')]);
    expect(lines).toEqual([
      'info FML4015: c.yml: /a: m (also at 4 more keys: /b, /c, /d ...)',
      'info FML4015: c.yml: /x: other',
      'warning FML4010: c.yml: /a: m',
    ]);
  });
});
