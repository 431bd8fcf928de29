/**
 * @fileoverview `fastml inspect` end to end: every shared ONNX model prints its layers (exit 0),
 * --json carries the same facts, corrupt files give one line and exit 2, unsupported ops are all
 * listed with exit 1, and the shipped bin/fastml.js runs as a separate process.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { onnx } from '../../src/frontends/onnx/proto.js';
import { dataDir } from '../helpers/data.js';

// The machine is shared and cold imports (onnxruntime, h5wasm) take seconds: generous timeouts.
vi.setConfig({ testTimeout: 60_000 });

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = dataDir;
const models = path.join(shared, 'models');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-inspect-'));

function onnxFiles(): string[] {
  if (!existsSync(models)) throw new Error(`no models folder at ${models} (test/fixtures or FASTML_SHARED_DIR)`);
  const out: string[] = [];
  for (const d of readdirSync(models, { withFileTypes: true }))
    if (d.isDirectory()) for (const f of readdirSync(path.join(models, d.name))) if (f.endsWith('.onnx')) out.push(path.join(models, d.name, f));
  return out.sort();
}

async function cli(args: string[]) {
  const io = memoryIO(tmp);
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('fastml inspect', () => {
  const files = onnxFiles();
  it('sees the shared ONNX models', () => expect(files.length).toBeGreaterThanOrEqual(9));

  for (const file of files)
    it(`prints the layers of ${path.basename(file)} (exit 0)`, async () => {
      const r = await cli(['inspect', file]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^layer\s+op\s+input shape\s+output shape\s+params\s+zeros\s+precision(\s+quantization)?$/m);
      expect(r.out).toMatch(/^total: \d+ layers, \d+ parameters, \d+ zero/m);
      const j = JSON.parse((await cli(['inspect', file, '--json'])).out);
      for (const l of j.layers) expect(r.out).toContain(l.name);
      expect(j.totals.params).toBe(j.layers.reduce((s: number, l: { params: number }) => s + l.params, 0));
    });

  it('--json: shapes, parameter counts and layouts (onnx_mnist_conv)', async () => {
    const r = await cli(['inspect', path.join(models, 'onnx_mnist_conv/model.onnx'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.inputs).toEqual([{ name: 'Input3', shape: [28, 28, 1], layout: 'NCHW', sourceShape: [1, 28, 28] }]);
    expect(j.outputs).toEqual([{ name: 'Plus214_Output_0', shape: [10] }]);
    // 5998 initializer values minus the two 2-element Reshape shape tensors.
    expect(j.totals.params).toBe(5994);
    const conv = j.layers.find((l: { name: string }) => l.name === 'Convolution110');
    expect(conv).toMatchObject({ op: 'Conv2D', inputs: [[14, 14, 8]], output: [14, 14, 16], params: 3200, zeros: 0 });
    expect(j.opset).toBe(8);
  });

  it('shows the quantizers of a QONNX model (table column and JSON)', async () => {
    const f = path.join(models, 'qonnx_jet_mlp_3layer/qkeras_jettagging.onnx');
    const r = await cli(['inspect', f]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^MatMul_0\s+Dense\s+\[16\]\s+\[64\]\s+1024\s+\d+\s+kernel: quant 6b signed s=0\.03125$/m);
    expect(r.out).toMatch(/^Quant_8\s+Quant\(quant 6b\).*quant 6b unsigned s=0\.015625$/m);
    const j = JSON.parse((await cli(['inspect', f, '--json'])).out);
    expect(j.layers.find((l: { name: string }) => l.name === 'Add_0').quant).toEqual({ bias: 'quant 6b signed s=0.03125' });
    // Float models have no such column.
    expect((await cli(['inspect', path.join(models, 'jet_mlp_3layer/three_layer_keras.onnx')])).out).not.toMatch(/quantization/);
  });

  it('counts zero weights', async () => {
    const m = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'z',
        node: [{ opType: 'MatMul', input: ['x', 'W'], output: ['y'], name: 'mm' }],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 2 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
        initializer: [{ name: 'W', dims: [2, 2], dataType: 1, floatData: [0, 1, 0, 0] }],
      },
    });
    const p = path.join(tmp, 'zeros.onnx');
    writeFileSync(p, onnx.ModelProto.encode(m).finish());
    const r = await cli(['inspect', p]);
    expect(r.out).toMatch(/total: 2 layers, 4 parameters, 3 zero \(75\.0%\)/);
  });

  it('a truncated model: one line naming the file, exit 2, no stack trace', async () => {
    const p = path.join(tmp, 'trunc.onnx');
    writeFileSync(p, readFileSync(path.join(models, 'conv1d_small/conv1d_small_keras.onnx')).subarray(0, 1000));
    const r = await cli(['inspect', p]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^error FML110[01]: .*trunc\.onnx: /);
    expect(r.err).not.toMatch(/\bat .*\.(ts|js):\d+/);
    const dbg = await cli(['--debug', 'inspect', p]);
    expect(dbg.code).toBe(2);
    expect(dbg.err).toMatch(/at .*\.(ts|js):\d+/);
  });

  it('random bytes and a missing file: exit 2', async () => {
    const p = path.join(tmp, 'random.onnx');
    writeFileSync(p, Uint8Array.from({ length: 3000 }, (_, k) => (k * 7919 + 13) % 251));
    expect((await cli(['inspect', p])).code).toBe(2);
    const missing = await cli(['inspect', path.join(tmp, 'nope.onnx')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/FML0001.*no such file/);
  });

  it('unsupported ops: every one listed, exit 1', async () => {
    const m = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'u',
        node: [
          { opType: 'Relu', input: ['x'], output: ['a'], name: 'ok' },
          { opType: 'Einsum', input: ['a'], output: ['b'], name: 'e1' },
          { opType: 'TopK', input: ['b'], output: ['y'], name: 't1' },
        ],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      },
    });
    const p = path.join(tmp, 'unsupported.onnx');
    writeFileSync(p, onnx.ModelProto.encode(m).finish());
    const r = await cli(['inspect', p]);
    expect(r.code).toBe(2); // a refused model is an input error
    expect(r.err).toMatch(/node "e1" \(Einsum\): unsupported op Einsum \(opset 13\)/);
    expect(r.err).toMatch(/node "t1" \(TopK\): unsupported op TopK \(opset 13\)/);
    expect(r.err).toMatch(/hint: supported ONNX ops: Gemm, MatMul, Conv/);
  });

  it('usage errors exit 2; --help exits 0', async () => {
    expect((await cli(['inspect'])).code).toBe(2);
    const h = await cli(['inspect', '--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/--json/);
    expect(h.out).toMatch(/--weights/);
  });

  it('reads Keras files through loadModel (conv2d_small: same parameter count as its ONNX twin)', async () => {
    const k = await cli(['inspect', path.join(models, 'conv2d_small/KERAS_conv2d_model.json'), '--weights', path.join(models, 'conv2d_small/KERAS_conv2d_model_weights.h5'), '--json']);
    expect(k.err).toBe('');
    const o = await cli(['inspect', path.join(models, 'conv2d_small/conv2d_small_keras.onnx'), '--json']);
    expect(JSON.parse(k.out).totals.params).toBe(JSON.parse(o.out).totals.params);
  });

  it('runs as a process: node bin/fastml.js inspect --json', () => {
    if (!existsSync(path.join(root, 'dist/cli/main.js'))) {
      // `npm test` builds dist/ first; build it here when the test runs alone.
      try {
        execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'ignore' });
      } catch {
        // Type errors elsewhere still emit JavaScript; the run below tells.
      }
    }
    const r = spawnSync(process.execPath, [path.join(root, 'bin/fastml.js'), 'inspect', path.join(models, 'jet_mlp_3layer/three_layer_keras.onnx'), '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.totals.params).toBe(4389);
    expect(j.layers.filter((l: { op: string }) => l.op === 'Dense')).toHaveLength(4);
    const bad = spawnSync(process.execPath, [path.join(root, 'bin/fastml.js'), 'inspect', path.join(tmp, 'trunc.onnx')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
