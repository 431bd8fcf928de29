/**
 * @fileoverview QONNX models as Brevitas writes them, built here: Quant nodes with float (not
 * power-of-two) scales, per tensor and per output channel, zero points, 2- to 8-bit, and a
 * BipolarQuant output. Each compiles, emulates, checks and C-simulates: csim equals the emulator
 * bit for bit, and the emulator's agreement with the QONNX float model (onnxruntime-web on the
 * model with Quant rewritten into standard ops) is measured and must reach what the scale types
 * allow.
 */

import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { buildModel, i, ints, s, type ModelSpec } from '../unit/frontends/onnx/onnx-build.js';
import { qonnxToStandard, runOrt } from '../unit/emulator/float-ort.helpers.js';
import { rng } from '../../src/tools/onnx-writer.js';

vi.setConfig({ testTimeout: 240_000 });

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-qscale-'));
const QDOM = 'qonnx.custom_op.general';

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

interface Variant {
  readonly name: string;
  /** Bits of the input, hidden-activation and weight quantizers. */
  readonly inBits: number;
  readonly actBits: number;
  readonly wBits: number;
  /** Per-output-channel weight scales (else one per tensor). */
  readonly perChannel: boolean;
  /** Unsigned input quantizer with this zero point (else signed, zero point 0). */
  readonly inZero?: number;
  /** Per-channel activation scales on the hidden quantizer. */
  readonly actPerChannel?: boolean;
  /** BipolarQuant on the output (else a signed 8-bit Quant). */
  readonly bipolarOut?: boolean;
  /** The first layer as MatMul + Add (the form tf2onnx and some exporters write) instead of Gemm. */
  readonly matmul?: boolean;
}

const NIN = 12;
const NH = 10;
const NOUT = 5;

/** Brevitas-style: Quant(x) -> Gemm(Quant(W1)) -> Relu -> Quant -> Gemm(Quant(W2)) -> output quantizer. */
function brevitas(v: Variant): ModelSpec {
  const r = rng(v.name.length * 7 + v.wBits);
  const rand = (n: number, scale: number) => Array.from({ length: n }, () => (r() * 2 - 1) * scale);
  const sc = (x: number) => ({ dims: [], data: [x] });
  // Non-power-of-two scales as trained models have them (float32 values).
  const wScale = (n: number, base: number, lastAxis = false) => ({ dims: v.perChannel ? (lastAxis ? [1, n] : [n, 1]) : [], data: v.perChannel ? Array.from({ length: n }, (_, k) => Math.fround(base * (0.7 + 0.05 * k))) : [Math.fround(base)] });
  const hi = 2 ** (v.wBits - 1) - 1;
  const quant = (name: string, x: string, sName: string, zName: string, bName: string, y: string, signed: number, narrow = 0): ModelSpec['nodes'][number] => ({
    op: 'Quant',
    domain: QDOM,
    name,
    inputs: [x, sName, zName, bName],
    outputs: [y],
    attrs: { signed: i(signed), narrow: i(narrow), rounding_mode: s('ROUND') },
  });
  const nodes: ModelSpec['nodes'] = [
    quant('q_in', 'x', 's_in', 'z_in', 'b_in', 'xq', v.inZero !== undefined ? 0 : 1),
    quant('q_w1', 'W1', 's_w1', 'z0', 'b_w', 'w1q', 1, 1),
    ...(v.matmul
      ? [
          { op: 'MatMul', name: 'fc1', inputs: ['xq', 'w1q'], outputs: ['h0'] },
          { op: 'Add', name: 'fc1_bias', inputs: ['h0', 'B1'], outputs: ['h'] },
        ]
      : [{ op: 'Gemm', name: 'fc1', inputs: ['xq', 'w1q', 'B1'], outputs: ['h'], attrs: { transB: i(1) } }]),
    { op: 'Relu', name: 'relu1', inputs: ['h'], outputs: ['hr'] },
    quant('q_act', 'hr', 's_act', 'z0', 'b_act', 'hq', 0),
    quant('q_w2', 'W2', 's_w2', 'z0', 'b_w', 'w2q', 1, 1),
    { op: 'Gemm', name: 'fc2', inputs: ['hq', 'w2q', 'B2'], outputs: ['o'], attrs: { transB: i(1) } },
    v.bipolarOut
      ? { op: 'BipolarQuant', domain: QDOM, name: 'q_out', inputs: ['o', 's_out'], outputs: ['y'] }
      : quant('q_out', 'o', 's_out', 'z0', 'b_out', 'y', 1),
  ];
  const sAct = v.actPerChannel ? { dims: [1, NH], data: Array.from({ length: NH }, (_, k) => Math.fround(0.9 / 2 ** v.actBits + 0.003 * k)) } : sc(Math.fround(1.7 / 2 ** v.actBits));
  return {
    inputs: [{ name: 'x', dims: [1, NIN] }],
    outputs: ['y'],
    nodes,
    inits: {
      s_in: sc(Math.fround(v.inZero !== undefined ? 4 / 2 ** v.inBits : 2.3 / 2 ** (v.inBits - 1))),
      z_in: sc(v.inZero ?? 0),
      b_in: sc(v.inBits),
      z0: sc(0),
      b_w: sc(v.wBits),
      b_act: sc(v.actBits),
      b_out: sc(8),
      W1: { dims: v.matmul ? [NIN, NH] : [NH, NIN], data: rand(NH * NIN, 0.6) },
      s_w1: wScale(NH, 0.6 / hi, v.matmul),
      B1: { dims: [NH], data: rand(NH, 0.3) },
      s_act: sAct,
      W2: { dims: [NOUT, NH], data: rand(NOUT * NH, 0.8) },
      s_w2: wScale(NOUT, 0.8 / hi),
      B2: { dims: [NOUT], data: rand(NOUT, 0.2) },
      s_out: sc(v.bipolarOut ? 1 : Math.fround(3.1 / 127)),
    },
    extraOpsets: [{ domain: QDOM, version: 1 }],
  };
}

/** The standard-op rewrite keeps BipolarQuant out: it becomes Sign-like ops (x >= 0 -> +s). */
function standardModel(spec: ModelSpec): Uint8Array {
  if (!spec.nodes.some((n) => n.op === 'BipolarQuant')) return qonnxToStandard(buildModel(spec));
  const nodes = spec.nodes.flatMap((n) =>
    n.op !== 'BipolarQuant'
      ? [n]
      : [
          // where(x >= 0, 1, -1) * s = (2 * (x >= 0) - 1) * s, with GreaterOrEqual -> Cast to float.
          { op: 'GreaterOrEqual', name: 'bq_ge', inputs: [n.inputs[0]!, 'bq_zero'], outputs: ['bq_b'] },
          { op: 'Cast', name: 'bq_cast', inputs: ['bq_b'], outputs: ['bq_f'], attrs: { to: i(1) } },
          { op: 'Mul', name: 'bq_two', inputs: ['bq_f', 'bq_2'], outputs: ['bq_2f'] },
          { op: 'Sub', name: 'bq_sub', inputs: ['bq_2f', 'bq_1'], outputs: ['bq_pm'] },
          { op: 'Mul', name: 'bq_scale', inputs: ['bq_pm', n.inputs[1]!], outputs: [n.outputs[0]!] },
        ],
  );
  const one = { dims: [], data: [1] };
  return qonnxToStandard(buildModel({ ...spec, nodes, inits: { ...spec.inits, bq_zero: { dims: [], data: [0] }, bq_2: { dims: [], data: [2] }, bq_1: one } }));
}

const VARIANTS: Variant[] = [
  { name: 'per_tensor_8b', inBits: 8, actBits: 8, wBits: 8, perChannel: false },
  { name: 'per_channel_4b', inBits: 8, actBits: 4, wBits: 4, perChannel: true },
  { name: 'zero_point_6b', inBits: 8, actBits: 6, wBits: 6, perChannel: true, inZero: 128 },
  { name: 'two_bit_act_per_channel', inBits: 6, actBits: 2, wBits: 3, perChannel: true, actPerChannel: true },
  { name: 'bipolar_out', inBits: 8, actBits: 4, wBits: 4, perChannel: false, bipolarOut: true },
  { name: 'matmul_add_5b', inBits: 7, actBits: 5, wBits: 5, perChannel: true, matmul: true },
];

describe('QONNX with float scales: compile, emulate, check, csim', () => {
  for (const v of VARIANTS)
    it(`${v.name}`, async () => {
      const spec = brevitas(v);
      const model = path.join(tmp, `${v.name}.onnx`);
      writeFileSync(model, buildModel(spec));
      const n = 400;
      const r = rng(99);
      const x = Float32Array.from({ length: n * NIN }, () => (r() * 2 - 1) * 2.2);
      const xf = path.join(tmp, `${v.name}_x.npy`);
      writeFileSync(xf, encodeNpy({ shape: [n, NIN], data: x }, 'f4'));

      // The input's own type decides how finely x reaches the input quantizer (x / s rounds once
      // more there); 20 fractional bits instead of the default 10 keep that rounding out of the way.
      const cfg = path.join(tmp, `${v.name}.yml`);
      writeFileSync(cfg, 'HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n    ReuseFactor: 1\n  LayerName:\n    x:\n      Precision:\n        result: fixed<26,6>\n');

      // emulate
      const e = await cli('emulate', model, '-i', xf, '-o', `${v.name}_y.npy`, '-c', cfg);
      expect(e.err.replace(/^(warning|info) .*\n(  hint.*\n)?/gm, '')).toBe('');
      expect(e.code).toBe(0);
      const emu = decodeNpy(new Uint8Array(readFileSync(path.join(tmp, `${v.name}_y.npy`)))).data;

      // The QONNX float model through onnxruntime-web (Quant rewritten into standard ops).
      const std = standardModel(spec);
      let maxErr = 0;
      let agree = 0;
      let exact = 0;
      for (let k = 0; k < n; k++) {
        const out = await runOrt(std, { x: { data: x.subarray(k * NIN, (k + 1) * NIN), dims: [1, NIN] } });
        const want = out.y!.data;
        const got = emu.subarray(k * NOUT, (k + 1) * NOUT);
        let am = 0;
        let bm = 0;
        let same = true;
        for (let j = 0; j < NOUT; j++) {
          maxErr = Math.max(maxErr, Math.abs(got[j]! - want[j]!));
          if (Math.abs(got[j]! - want[j]!) > 1e-6) same = false;
          if (want[j]! > want[am]!) am = j;
          if (got[j]! > got[bm]!) bm = j;
        }
        if (am === bm) agree++;
        if (same) exact++;
      }
      // Reported for docs/passes.md: how close the fixed-point design is to the float QONNX model.
      console.log(`[qonnx-scales] ${v.name}: ${exact}/${n} samples equal the QONNX float model (ORT) to 1e-6, argmax agreement ${(agree / n).toFixed(3)}, max |err| ${maxErr.toPrecision(3)}`);
      // Rounding differences flip at most a few quantizer steps on a few samples.
      expect(exact / n).toBeGreaterThan(0.9);
      if (!v.bipolarOut) expect(agree / n).toBeGreaterThan(0.97);

      // check (float64 reference = the QONNX definition)
      const c = await cli('check', model, '-i', xf, '-c', cfg, '--json');
      expect(c.code, c.err).toBe(0);

      // `fastml config` lists the scale layers with auto types, and its configuration reproduces the design.
      if (v.name === 'per_tensor_8b') {
        const w = await cli('config', model, '--granularity', 'name', '-o', 'split.yml');
        expect(w.code, w.err).toBe(0);
        const text = readFileSync(path.join(tmp, 'split.yml'), 'utf8');
        expect(text).toMatch(/fc1_alpha:\s+# ApplyAlpha[\s\S]*?scale: auto/);
        const e2 = await cli('emulate', model, '-i', xf, '-o', 'split_y.npy', '-c', 'split.yml');
        expect(e2.code, e2.err).toBe(0);
        const e3 = await cli('emulate', model, '-i', xf, '-o', 'plain_y.npy');
        expect(e3.code).toBe(0);
        const a = decodeNpy(new Uint8Array(readFileSync(path.join(tmp, 'split_y.npy')))).data;
        const b = decodeNpy(new Uint8Array(readFileSync(path.join(tmp, 'plain_y.npy')))).data;
        expect(Array.from(a)).toEqual(Array.from(b));
      }

      // compile + csim, bit for bit
      const dir = path.join(tmp, `${v.name}_prj`);
      const comp = await cli('compile', model, '-o', dir, '-c', cfg, '--input', xf, '--io', v.perChannel ? 'stream' : 'parallel');
      expect(comp.code, comp.err).toBe(0);
      const sim = await cli('csim', dir);
      expect(sim.err).toBe('');
      expect(sim.out).toContain(' 0 mismatching values');
      expect(sim.code).toBe(0);
    });
});

/** Emulator outputs against the QONNX float model run by onnxruntime-web, sample by sample. */
async function agreement(std: Uint8Array, x: Float32Array, dims: number[], emu: ArrayLike<number>, nOut: number) {
  const per = dims.reduce((a, b) => a * b, 1);
  const n = x.length / per;
  let maxErr = 0;
  let agree = 0;
  let exact = 0;
  for (let k = 0; k < n; k++) {
    const out = await runOrt(std, { x: { data: x.subarray(k * per, (k + 1) * per), dims } });
    const want = out.y!.data;
    let am = 0;
    let bm = 0;
    let same = true;
    for (let j = 0; j < nOut; j++) {
      const got = emu[k * nOut + j]!;
      maxErr = Math.max(maxErr, Math.abs(got - want[j]!));
      if (Math.abs(got - want[j]!) > 1e-6) same = false;
      if (want[j]! > want[am]!) am = j;
      if (got > emu[k * nOut + bm]!) bm = j;
    }
    if (am === bm) agree++;
    if (same) exact++;
  }
  return { n, exact, agree: agree / n, maxErr };
}

/**
 * A Brevitas-style CNN with the kernel scales split-scales used to refuse: per-INPUT-channel
 * scales and a zero point on a Conv kernel (padded), per-channel scales on a grouped 1x1 Conv and
 * on a depthwise Conv, per-input-feature scales and a zero point on the final Gemm.
 */
function cnn(): ModelSpec {
  const r = rng(4242);
  const rand = (n: number, scale: number) => Array.from({ length: n }, () => (r() * 2 - 1) * scale);
  const sc = (x: number) => ({ dims: [], data: [x] });
  const quant = (name: string, x: string, sName: string, zName: string, bName: string, y: string, signed: number, narrow = 0): ModelSpec['nodes'][number] => ({
    op: 'Quant',
    domain: QDOM,
    name,
    inputs: [x, sName, zName, bName],
    outputs: [y],
    attrs: { signed: i(signed), narrow: i(narrow), rounding_mode: s('ROUND') },
  });
  const per = (dims: number[], base: number) => ({ dims, data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, k) => Math.fround(base * (0.7 + 0.09 * k))) });
  const FEAT = 4 * 4 * 4;
  return {
    inputs: [{ name: 'x', dims: [1, 3, 6, 6] }],
    outputs: ['y'],
    nodes: [
      quant('q_in', 'x', 's_in', 'z0', 'b8', 'xq', 1),
      // conv1: 3 -> 4, 3x3, padded; scale per INPUT channel ([1, 3, 1, 1]), zero point 3, 5 bits.
      quant('q_w1', 'W1', 's_w1', 'z_w1', 'b5', 'w1q', 1),
      { op: 'Conv', name: 'conv1', inputs: ['xq', 'w1q', 'B1'], outputs: ['c1'], attrs: { pads: ints([1, 1, 1, 1]), kernel_shape: ints([3, 3]) } },
      { op: 'Relu', name: 'relu1', inputs: ['c1'], outputs: ['r1'] },
      quant('q_a1', 'r1', 's_a1', 'z0', 'b5', 'a1', 0),
      // gconv: 1x1, 2 groups, scale per output channel.
      quant('q_wg', 'WG', 's_wg', 'z0', 'b4', 'wgq', 1, 1),
      { op: 'Conv', name: 'gconv', inputs: ['a1', 'wgq', 'BG'], outputs: ['g1'], attrs: { group: i(2), kernel_shape: ints([1, 1]) } },
      quant('q_g', 'g1', 's_g', 'z0', 'b6', 'g1q', 1),
      // dw: depthwise 3x3 (group 4), no padding, scale per channel.
      quant('q_w2', 'W2', 's_w2', 'z0', 'b4', 'w2q', 1, 1),
      { op: 'Conv', name: 'dw', inputs: ['g1q', 'w2q', 'B2'], outputs: ['c2'], attrs: { group: i(4), kernel_shape: ints([3, 3]) } },
      { op: 'Relu', name: 'relu2', inputs: ['c2'], outputs: ['r2'] },
      quant('q_a2', 'r2', 's_a2', 'z0', 'b5', 'a2', 0),
      { op: 'Flatten', name: 'flat', inputs: ['a2'], outputs: ['f'] },
      // fc: scale per INPUT feature ([1, FEAT]), zero point -2 on an unsigned... signed 6-bit kernel.
      quant('q_w3', 'W3', 's_w3', 'z_w3', 'b6', 'w3q', 1),
      { op: 'Gemm', name: 'fc', inputs: ['f', 'w3q', 'B3'], outputs: ['o'], attrs: { transB: i(1) } },
      quant('q_out', 'o', 's_out', 'z0', 'b8', 'y', 1),
    ],
    inits: {
      s_in: sc(Math.fround(2.3 / 127)),
      z0: sc(0),
      b4: sc(4),
      b5: sc(5),
      b6: sc(6),
      b8: sc(8),
      W1: { dims: [4, 3, 3, 3], data: rand(108, 0.5) },
      s_w1: per([1, 3, 1, 1], 0.5 / 15),
      z_w1: sc(3),
      B1: { dims: [4], data: rand(4, 0.2) },
      s_a1: sc(Math.fround(2.9 / 31)),
      WG: { dims: [4, 2, 1, 1], data: rand(8, 0.9) },
      s_wg: per([4, 1, 1, 1], 0.9 / 7),
      BG: { dims: [4], data: rand(4, 0.2) },
      s_g: sc(Math.fround(3.3 / 31)),
      W2: { dims: [4, 1, 3, 3], data: rand(36, 0.6) },
      s_w2: per([4, 1, 1, 1], 0.6 / 7),
      B2: { dims: [4], data: rand(4, 0.2) },
      s_a2: sc(Math.fround(2.1 / 31)),
      W3: { dims: [5, FEAT], data: rand(5 * FEAT, 0.4) },
      s_w3: per([1, FEAT], 0.4 / 31 / 6),
      z_w3: sc(-2),
      B3: { dims: [5], data: rand(5, 0.2) },
      s_out: sc(Math.fround(3.1 / 127)),
    },
    extraOpsets: [{ domain: QDOM, version: 1 }],
  };
}

describe('QONNX CNN with per-input-channel, grouped and depthwise kernel scales and weight zero points', () => {
  it('compiles, emulates, checks and C-simulates (io_parallel and io_stream)', async () => {
    const spec = cnn();
    const model = path.join(tmp, 'cnn.onnx');
    writeFileSync(model, buildModel(spec));
    const n = 300;
    const dims = [1, 3, 6, 6];
    const per = 3 * 6 * 6;
    const r = rng(7);
    const x = Float32Array.from({ length: n * per }, () => (r() * 2 - 1) * 2.2);
    const xf = path.join(tmp, 'cnn_x.npy');
    writeFileSync(xf, encodeNpy({ shape: [n, 3, 6, 6], data: x }, 'f4'));
    const cfg = path.join(tmp, 'cnn.yml');
    writeFileSync(cfg, 'HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n    ReuseFactor: 1\n  LayerName:\n    x:\n      Precision:\n        result: fixed<26,6>\n');

    // The split is what the docs say: integer kernels, the scales in scale layers.
    const d = await cli('emulate', model, '-i', xf, '-o', 'cnn_y.npy', '-c', cfg, '--dump-ir', 'split-scales');
    expect(d.code, d.err).toBe(0);
    // conv1's per-input-channel scale layer merged with q_in's rescale (one scale per input channel).
    expect(d.out).toMatch(/q_in_rescale: ScaleBias\(alpha=true\) \[xq_int\] -> \S+ \[6, 6, 3\].*\n\s+scale \[3\]/);
    for (const name of ['gconv_alpha', 'dw_alpha', 'fc_alpha_in', 'fc_alpha']) expect(d.out).toContain(`  ${name}: ScaleBias(alpha=true)`);
    // Every kernel is integer (scale 1); the zero-pointed ones one bit wider (q - z).
    const kernels = [...d.out.matchAll(/quant kernel: (\{.*\})/g)].map((m) => JSON.parse(m[1]!) as { bits: number; scale: number[] });
    expect(kernels).toHaveLength(4);
    expect(kernels.every((k) => k.scale.length === 1 && k.scale[0] === 1)).toBe(true);
    expect(kernels.map((k) => k.bits)).toEqual([6, 4, 4, 7]);
    expect(d.err.replace(/^(warning|info) .*\n(  hint.*\n)?/gm, '')).toBe('');
    const emu = decodeNpy(new Uint8Array(readFileSync(path.join(tmp, 'cnn_y.npy')))).data;

    const a = await agreement(qonnxToStandard(buildModel(spec)), x, dims, emu, 5);
    console.log(`[qonnx-scales] cnn (per-input, grouped, depthwise scales, weight zero points): ${a.exact}/${a.n} samples equal the QONNX float model (ORT) to 1e-6, argmax agreement ${a.agree.toFixed(3)}, max |err| ${a.maxErr.toPrecision(3)}`);
    // 24-bit scale constants (the ReLU quantizers' types let the scale layers round at once):
    // every sample equals the float model up to ORT's float32 rounding (300/300 when written).
    expect(a.exact / a.n).toBeGreaterThan(0.98);
    expect(a.agree).toBeGreaterThan(0.99);

    const c = await cli('check', model, '-i', xf, '-c', cfg, '--json');
    expect(c.code, c.err).toBe(0);

    for (const io of ['parallel', 'stream']) {
      const dir = path.join(tmp, `cnn_${io}_prj`);
      const comp = await cli('compile', model, '-o', dir, '-c', cfg, '--input', xf, '--io', io);
      expect(comp.code, comp.err).toBe(0);
      const sim = await cli('csim', dir);
      expect(sim.err).toBe('');
      expect(sim.out).toContain(' 0 mismatching values');
      expect(sim.code).toBe(0);
    }
  });
});
