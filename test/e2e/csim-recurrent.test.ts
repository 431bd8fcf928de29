/**
 * @fileoverview Recurrent and LayerNorm layers through `fastml compile` + g++ C simulation: the
 * seven hls4ml reference cases with their own configs and inputs (csim must equal the emulator,
 * which `fastml csim` checks on every output bit, and hls4ml's y.npy), the same models in
 * io_stream, and an LSTM whose input, result and accumulator types all differ (hls4ml cannot
 * compile that one).
 */

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { dataDir } from '../helpers/data.js';

const M = (p: string): string => path.join(dataDir, 'models', p);
const REF = path.join(dataDir, 'reference/hls4ml');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-csim-rnn-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

async function compileAndCsim(name: string, model: string, flags: string[]): Promise<string> {
  const dir = path.join(tmp, name);
  const c = await cli('compile', model, '-o', dir, '--force', ...flags);
  expect(c.err, `${name}: compile stderr`).not.toMatch(/^(error|internal error)/m);
  expect(c.code, `${name}: compile exit code`).toBe(0);
  const s = await cli('csim', dir);
  expect(s.err, `${name}: g++ -Wall output / mismatches`).toBe('');
  expect(s.out, name).toContain(' 0 mismatching values');
  expect(s.out, name).toContain('csim PASSED');
  expect(s.code, name).toBe(0);
  return dir;
}

/** The first n rows of a case's X.npy, written for --input. */
function inputs(cs: string, n: number): { file: string; Y: Float64Array; nOut: number } {
  const X = decodeNpy(new Uint8Array(readFileSync(path.join(REF, cs, 'X.npy'))));
  const Y = decodeNpy(new Uint8Array(readFileSync(path.join(REF, cs, 'y.npy'))));
  const per = X.data.length / X.shape[0]!;
  const file = path.join(tmp, `${cs}_X.npy`);
  writeFileSync(file, encodeNpy({ shape: [n, ...X.shape.slice(1)], data: X.data.subarray(0, n * per) }));
  return { file, Y: Y.data.subarray(0, n * (Y.data.length / Y.shape[0]!)), nOut: Y.data.length / Y.shape[0]! };
}

const csimRows = (dir: string): number[] =>
  readFileSync(path.join(dir, 'tb_data/csim_results.log'), 'utf8')
    .trim()
    .split('\n')
    .flatMap((r) => r.split(' ').map(Number));

const CASES: Array<[string, string]> = [
  ['gru_small', 'gru_small/gru_small.json'],
  ['gru_small_w12_table512_rndsat_resource_rf2', 'gru_small/gru_small.json'],
  ['lstm_small', 'lstm_small/lstm_small.json'],
  ['lstm_small_resource_rf4_table2048_rndsat', 'lstm_small/lstm_small.json'],
  ['gru_seq_dense', 'gru_seq_dense/gru_seq_dense.json'],
  ['layernorm_mlp', 'layernorm_mlp/layernorm_mlp.json'],
  ['layernorm_mlp_accum24_table2048', 'layernorm_mlp/layernorm_mlp.json'],
];
/** Every row of each case (1000): the C simulation must reproduce all of y.npy. */
const N = 1000;

describe('recurrent/LayerNorm hls4ml reference cases: compile + csim == emulator == hls4ml', () => {
  for (const [cs, model] of CASES) {
    for (const io of ['parallel', 'stream'] as const) {
      it(`${cs}, io_${io}`, async () => {
        const { file, Y } = inputs(cs, N);
        const dir = await compileAndCsim(`${cs}-${io}`, M(model), ['--config', path.join(REF, cs, 'config.yml'), '--input', file, '--io', io]);
        expect(csimRows(dir)).toEqual(Array.from(Y));
        // --io overrides the config's IOType: the top function really takes streams.
        const top = readFileSync(path.join(dir, 'firmware', readdirSync(path.join(dir, 'firmware')).find((f) => f.endsWith('.cpp'))!), 'utf8');
        expect(top.includes('hls::stream<'), `${cs} io_${io}`).toBe(io === 'stream');
        rmSync(dir, { recursive: true, force: true });
      });
    }
  }
});

describe('LSTM with input, result and accumulator types all different', () => {
  it('compiles, simulates and equals the emulator (Resource, reuse 3 / 4)', async () => {
    const cfg = {
      KerasJson: M('lstm_small/lstm_small.json'),
      KerasH5: M('lstm_small/lstm_small_weights.h5'),
      Backend: 'Vivado',
      IOType: 'io_parallel',
      HLSConfig: {
        Model: { Precision: 'fixed<16,6>', ReuseFactor: 1, Strategy: 'Resource' },
        LayerName: {
          input_1: { Precision: { result: 'fixed<14,4,RND,SAT>' } },
          lstm: { Precision: { result: 'fixed<12,3,RND,SAT>', accum: 'fixed<20,7,RND,SAT>', weight: 'fixed<10,2,RND>', recurrent_weight: 'fixed<11,2>' }, ReuseFactor: 3, recurrent_reuse_factor: 4, TableSize: 2048, table_t: 'fixed<14,2,RND,SAT>' },
        },
      },
    };
    const file = path.join(tmp, 'lstm_mixed.yml');
    writeFileSync(file, YAML.stringify(cfg));
    const { file: xs } = inputs('lstm_small', 200);
    const dir = await compileAndCsim('lstm-mixed', M('lstm_small/lstm_small.json'), ['--config', file, '--input', xs]);
    const params = readFileSync(path.join(dir, 'firmware/parameters.h'), 'utf8');
    // The three types really differ in the generated code.
    expect(params).toMatch(/typedef ap_fixed<20,7,AP_RND,AP_SAT> accum_t;/);
    expect(params).toMatch(/typedef ap_fixed<12,3,AP_RND,AP_SAT> state_t;/);
    expect(readFileSync(path.join(dir, 'firmware/defines.h'), 'utf8')).toMatch(/ap_fixed<14,4,AP_RND,AP_SAT>/);
  });
});
