/**
 * @fileoverview The backend acceptance matrix: `fastml compile` then `fastml csim` on every model
 * in ../shared/models (one configuration each, io_parallel and io_stream spread over them), all
 * four io/strategy combinations on the jet tagger and on a conv model, and the hls4ml reference
 * cases with their own configurations and inputs, where the C simulation must also equal hls4ml's
 * own C simulation (y.npy) bit for bit. g++ must build every project with -Wall without errors and
 * the C simulation must equal the emulator on every output bit.
 */

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { dataDir } from '../helpers/data.js';

const shared = dataDir;
const M = (p: string): string => path.join(shared, 'models', p);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-csim-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

/**
 * Every shared model with the flags it needs (test-bench inputs or sample counts; the 256x256x3
 * QONNX model is large, about 50 s per configuration here, so it runs one sample).
 */
const MODELS: Array<[string, string, string[]]> = [
  ['jet_mlp_3layer', 'jet_mlp_3layer/three_layer_keras.onnx', ['--samples', '64']],
  ['jet_mlp_3layer_keras', 'jet_mlp_3layer/KERAS_3layer.json', ['--samples', '64']],
  ['jet_mlp_3layer_batchnorm', 'jet_mlp_3layer_batchnorm/KERAS_3layer_batch_norm.json', []],
  ['conv1d_small', 'conv1d_small/KERAS_conv1d_small.json', []],
  ['conv2d_small', 'conv2d_small/conv2d_small_keras.onnx', ['--samples', '16']],
  ['conv2d_small_keras', 'conv2d_small/KERAS_conv2d_model.json', ['--samples', '16']],
  ['mlp_2layer_sigmoid', 'mlp_2layer_sigmoid/KERAS_1layer.json', []],
  ['qkeras_jet_mlp_3layer', 'qkeras_jet_mlp_3layer/qkeras_3layer.json', []],
  ['qkeras_mnist_cnn', 'qkeras_mnist_cnn/qkeras_mnist_cnn.json', ['--samples', '4']],
  ['autoencoder_toycar_qkeras', 'autoencoder_toycar_qkeras/keras_model.h5', []],
  ['onnx_residual_block', 'onnx_residual_block/residual_block_clean.onnx', ['--samples', '2']],
  ['qonnx_branched_sepconv_chlast', 'qonnx_branched_sepconv_chlast/branched_model_ch_last.onnx', ['--samples', '1']],
  ['qonnx_jet_mlp_3layer', 'qonnx_jet_mlp_3layer/qkeras_jettagging.onnx', []],
  ['onnx_mnist_conv', 'onnx_mnist_conv/model.onnx', ['--samples', '4']],
  ['unit_conv1d_linear', 'unit_conv1d_linear/conv1d_1layer.h5', ['--input', M('unit_conv1d_linear/tb_input_features.dat')]],
  ['unit_conv2d_sigmoid', 'unit_conv2d_sigmoid/sigmoid.h5', ['--input', M('unit_conv2d_sigmoid/tb_input_features.dat')]],
  ['unit_conv2d_tanh', 'unit_conv2d_tanh/tanh.h5', ['--input', M('unit_conv2d_tanh/tb_input_features.dat')]],
  ['unit_softmax', 'unit_softmax/softmax.h5', ['--input', M('unit_softmax/tb_input_features.dat')]],
];

/**
 * io_parallel and io_stream, Latency and Resource. The Resource runs ask for reuse factor 4 and
 * take, per layer, the nearest valid one (hls4ml's rule; fastml warns), so every layer runs the
 * Resource kernels with the reuse its sizes allow.
 */
const COMBOS: Array<[string, string[]]> = [
  ['io_parallel latency', ['--io', 'parallel', '--strategy', 'latency']],
  ['io_parallel resource', ['--io', 'parallel', '--strategy', 'resource', '--reuse', 'nearest:4']],
  ['io_stream latency', ['--io', 'stream', '--strategy', 'latency']],
  ['io_stream resource', ['--io', 'stream', '--strategy', 'resource', '--reuse', 'nearest:4']],
];

async function compileAndCsim(name: string, model: string, flags: string[], keep = false): Promise<string> {
  const dir = path.join(tmp, name);
  const c = await cli('compile', model, '-o', dir, '--force', ...flags);
  // stderr carries warnings and the pipeline report (reuse factors chosen, quantizers); no errors.
  expect(c.err, `${name}: compile stderr`).not.toMatch(/^(error|internal error)/m);
  expect(c.code, `${name}: compile exit code`).toBe(0);
  const s = await cli('csim', dir);
  expect(s.err, `${name}: g++ -Wall output / mismatches`).toBe('');
  expect(s.out, name).toContain(' 0 mismatching values');
  expect(s.out, name).toContain('csim PASSED');
  expect(s.code, name).toBe(0);
  if (!keep) rmSync(dir, { recursive: true, force: true });
  return dir;
}

describe('compile + csim: every model, io_parallel and io_stream, Latency and Resource', () => {
  for (const [name, file, flags] of MODELS) {
    for (const [combo, cflags] of COMBOS) {
      it(`${name}, ${combo}`, async () => {
        await compileAndCsim(`${name}-${combo.replace(/ /g, '-')}`, M(file), [...cflags, ...flags]);
      });
    }
  }
});

/** hls4ml reference cases: their config and inputs; csim must equal the emulator and hls4ml's y.npy. */
const REF = path.join(shared, 'reference/hls4ml');
const CASES: Array<[string, string]> = [
  ['jet_mlp_3layer_model_stable', 'jet_mlp_3layer/KERAS_3layer.json'],
  ['jet_mlp_3layer_softmax_latency_rndsat', 'jet_mlp_3layer/KERAS_3layer.json'],
  ['jet_mlp_3layer_resource_rf4_satacc15_stream', 'jet_mlp_3layer/KERAS_3layer.json'],
  ['jet_mlp_3layer_batchnorm_name', 'jet_mlp_3layer_batchnorm/KERAS_3layer_batch_norm.json'],
  ['mlp_2layer_sigmoid_table512', 'mlp_2layer_sigmoid/KERAS_1layer.json'],
  ['conv1d_small', 'conv1d_small/KERAS_conv1d_small.json'],
  ['conv2d_small', 'conv2d_small/KERAS_conv2d_model.json'],
];

describe('hls4ml reference cases through compile + csim', () => {
  for (const [cs, model] of CASES) {
    it(cs, async () => {
      const X = decodeNpy(new Uint8Array(readFileSync(path.join(REF, cs, 'X.npy'))));
      const Y = decodeNpy(new Uint8Array(readFileSync(path.join(REF, cs, 'y.npy'))));
      const n = 120;
      const per = X.data.length / X.shape[0]!;
      const xs = path.join(tmp, `${cs}_X.npy`);
      writeFileSync(xs, encodeNpy({ shape: [n, ...X.shape.slice(1)], data: X.data.subarray(0, n * per) }));
      const dir = await compileAndCsim(`ref-${cs}`, M(model), ['--config', path.join(REF, cs, 'config.yml'), '--input', xs], true);
      const rows = readFileSync(path.join(dir, 'tb_data/csim_results.log'), 'utf8').trim().split('\n');
      expect(rows.length).toBe(n);
      const nOut = Y.data.length / Y.shape[0]!;
      const got = rows.flatMap((r) => r.split(' ').map(Number));
      expect(got).toEqual(Array.from(Y.data.subarray(0, n * nOut)));
    });
  }
});
