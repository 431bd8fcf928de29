/**
 * @fileoverview Types wider than 53 bits. A configuration written by `fastml config --granularity
 * name` without a bound infers a 56-bit BatchNorm result for the jet tagger with batch norm (16-bit
 * inputs and weights: a 38-bit Dense result times a 16-bit scale). The emulator runs it through the
 * exact BigInt path and the C simulation equals it bit for bit; the default configuration bounds
 * the inferred types (Model: Precision: maximum) so that none exceeds what the data needs.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { dataDir } from '../helpers/data.js';
import { encodeNpy, decodeNpy } from '../../src/io/npy.js';
import { normal, rng } from '../../src/tools/onnx-writer.js';
import { makeCast } from '../../src/emulator/quant.js';
import { WideValueError, compileWideMerge, compileWideScaleBias } from '../../src/emulator/wide.js';
import { fixedType } from '../../src/fixed/type.js';
import { quantizeBig } from '../../src/fixed/quantize.js';
import { splitDouble } from '../../src/emulator/wide.js';
import { wideSelu } from '../../src/emulator/wide-ops.js';
import { compileActivation } from '../../src/emulator/activations.js';
import { sigmoidTable } from '../../src/emulator/tables.js';
import { buildModel, f, i, ints, type ModelSpec, type NodeSpec } from '../unit/frontends/onnx/onnx-build.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-wide-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const dir = path.join(dataDir, 'models', 'jet_mlp_3layer_batchnorm');
const model = [path.join(dir, 'KERAS_3layer_batch_norm.json'), '--weights', path.join(dir, 'KERAS_3layer_batch_norm_weights.h5')];
const widths = (defines: string): number[] => [...defines.matchAll(/ap_u?fixed<(\d+),/g)].map((m) => Number(m[1]));

describe('wide types', () => {
  it('a 56-bit BatchNorm result emulates and equals the C simulation', async () => {
    const cfg = path.join(tmp, 'wide.yml');
    const c = await cli('config', ...model, '--granularity', 'name', '--max-precision', 'none', '-o', cfg);
    expect(c.code).toBe(0);
    expect(readFileSync(cfg, 'utf8')).not.toContain('maximum:');
    const n = 400;
    const xf = path.join(tmp, 'x.npy');
    writeFileSync(xf, encodeNpy({ shape: [n, 16], data: normal(rng(3), n * 16, 1.5) }, 'f4'));
    const prj = path.join(tmp, 'wide_prj');
    const k = await cli('compile', ...model, '-c', cfg, '-o', prj, '--input', xf, '--samples', String(n));
    expect(k.err).not.toMatch(/error/);
    expect(k.code).toBe(0);
    expect(Math.max(...widths(readFileSync(path.join(prj, 'firmware/defines.h'), 'utf8')))).toBeGreaterThan(53);
    const s = await cli('csim', prj);
    expect(s.err).toBe('');
    expect(s.out).toContain(`${n} samples, 5 outputs each, 0 mismatching values`);
    const e = await cli('emulate', ...model, '-c', cfg, '-i', xf, '-o', path.join(tmp, 'y.npy'));
    expect(e.err).toBe('');
    expect(e.code).toBe(0);
    const want = decodeNpy(new Uint8Array(readFileSync(path.join(tmp, 'y.npy'))));
    const got = readFileSync(path.join(prj, 'tb_data/csim_results.log'), 'utf8').trim().split('\n').flatMap((r) => r.split(' ').map(Number));
    expect(got).toEqual(Array.from(want.data));
  });

  it('fastml config bounds the inferred types by default', async () => {
    const cfg = path.join(tmp, 'bounded.yml');
    expect((await cli('config', ...model, '--granularity', 'name', '-o', cfg)).code).toBe(0);
    const text = readFileSync(cfg, 'utf8');
    expect(text).toMatch(/maximum: fixed<46,26> +# bounds the auto types.*unbounded they reach 56 bits/);
    const prj = path.join(tmp, 'bounded_prj');
    const k = await cli('compile', ...model, '-c', cfg, '-o', prj, '--samples', '64');
    expect(k.err).not.toMatch(/FML4010|error/); // `maximum` is a known Model key
    expect(k.code).toBe(0);
    expect(Math.max(...widths(readFileSync(path.join(prj, 'firmware/defines.h'), 'utf8')))).toBe(46);
    expect((await cli('csim', prj)).out).toContain('0 mismatching values');
  });

  it('an explicit --max-precision is written as given; a bad one is a usage error', async () => {
    const r = await cli('config', ...model, '--granularity', 'name', '--max-precision', 'fixed<40,20>');
    expect(r.out).toContain('maximum: fixed<40,20>');
    const bad = await cli('config', ...model, '--granularity', 'name', '--max-precision', 'fixed<4>');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-precision');
  });

  it('the wide cast equals the BigInt reference, and refuses a value a double cannot hold', () => {
    const rand = rng(9);
    for (const t of [fixedType(57, 25), fixedType(60, 20, true, 'AP_RND', 'AP_SAT'), fixedType(64, 40, false, 'AP_RND_CONV', 'AP_WRAP')]) {
      const cast = makeCast(t);
      for (let k = 0; k < 2000; k++) {
        // In range (saturating to the maximum raw value is the refused case below).
        // (A negative value wrapped into an unsigned type would be the same.)
        const x = (t.signed ? rand() - 0.5 : rand()) * 2 ** (Math.floor(rand() * 28) - 10);
        const d = splitDouble(x);
        const raw = quantizeBig(d.n, d.e, t);
        expect(cast(x)).toBe(Number(raw) * 2 ** -(t.w - t.i));
      }
    }
    // Saturating to the largest fixed<60,30> (2^59 - 1 raw) needs 59 significant bits.
    expect(() => makeCast(fixedType(60, 30, true, 'AP_TRN', 'AP_SAT'))(1e12)).toThrow(WideValueError);
    // x * scale + bias exactly: 2^-20 + 3 * 2^30 needs 51 bits; cast to a 64-bit type.
    const k = compileWideScaleBias(Float64Array.of(3), Float64Array.of(2 ** -20), fixedType(64, 34));
    const y = new Float64Array(1);
    k(Float64Array.of(2 ** 30), y);
    expect(y[0]).toBe(3 * 2 ** 30 + 2 ** -20);
    // A merge folds exactly before its one cast: 1 + 2^-53 (which a double rounds to 1) is half an
    // LSB of a 52-fraction-bit type, and AP_RND rounds it up.
    const add = compileWideMerge('add', fixedType(55, 3, true, 'AP_RND'));
    add([Float64Array.of(1), Float64Array.of(2 ** -53)], y);
    expect(y[0]).toBe(1 + 2 ** -52);
    const mx = compileWideMerge('max', fixedType(60, 30));
    mx([Float64Array.of(-3), Float64Array.of(2 ** -20), Float64Array.of(-1)], y);
    expect(y[0]).toBe(2 ** -20);
  });
});

/**
 * Wide inputs (> 53 bits) to the layers whose arithmetic goes beyond a cast: a Dense / 1x1 Conv
 * with 32-bit weights (float64 initializers, 30 fractional bits kept) gives a fixed<57,17> result
 * holding values of ~45 significant bits (exact doubles). alpha * x, slope * x + shift, the
 * pooling sums and divisions and the softmax then need more than a double: the emulator's BigInt
 * kernels (wide-ops.ts) must equal the C simulation bit for bit. The head results have 49 to 50
 * fractional bits, below where a double rounds those products, so a kernel computing in doubles
 * fails the activation and global-pool cases (checked by hand when written: with the double kernels
 * forced, they mismatch); the values themselves still fit a double exactly.
 */
describe('wide inputs to parametric activations, pooling and softmax', () => {
  const WIDE = 'fixed<57,17>';
  const FINE = 'fixed<54,4>';
  interface Case {
    readonly name: string;
    readonly head: (x: string, y: string) => NodeSpec[];
    readonly inits?: ModelSpec['inits'];
    /** LayerName entries of the head layer (named `head`), Precision lines first. */
    readonly prec?: Record<string, string>;
    readonly extra?: string;
    /** The body's (Dense / Conv) result type, if not WIDE. */
    readonly body?: string;
    /** The body's weight type and the magnitude of its weights, if not fixed<32,2> and 0.5. */
    readonly weight?: { readonly type: string; readonly scale: number };
    readonly conv?: boolean;
    readonly outShape: number[];
  }
  const sm = (x: string, y: string): NodeSpec[] => [{ op: 'Softmax', name: 'head', inputs: [x], outputs: [y], attrs: { axis: i(-1) } }];
  const cases: Case[] = [
    { name: 'leaky_relu', head: (x, y) => [{ op: 'LeakyRelu', name: 'head', inputs: [x], outputs: [y], attrs: { alpha: f(0.9) } }], prec: { param: 'fixed<24,2>', result: FINE }, outShape: [12] },
    {
      name: 'prelu',
      head: (x, y) => [{ op: 'PRelu', name: 'head', inputs: [x, 'slope'], outputs: [y] }],
      inits: { slope: { dims: [12], data: Array.from({ length: 12 }, (_, k) => 0.5 + 0.037 * k) } },
      prec: { param: 'fixed<24,2>', result: FINE },
      outShape: [12],
    },
    { name: 'hard_sigmoid', head: (x, y) => [{ op: 'HardSigmoid', name: 'head', inputs: [x], outputs: [y], attrs: { alpha: f(0.17), beta: f(0.45) } }], prec: { param: 'fixed<24,2>', result: FINE }, outShape: [12] },
    { name: 'softmax_stable', head: sm, outShape: [12] },
    { name: 'softmax_latency', head: sm, extra: 'Implementation: latency', outShape: [12] },
    // A 70-bit input: inp_norm_t is 69 bits, beyond the 64-bit word the C++ used to read the index
    // from. Integer weights up to 2^29 make logits of ~2^32, so the index's top bits are set.
    { name: 'softmax_stable_70bit', head: sm, body: 'fixed<70,38>', weight: { type: 'fixed<32,32>', scale: 2 ** 29 }, outShape: [12] },
    // 3x3 windows: a division by 9 of a 60-fractional-bit sum, which a double quotient rounds.
    { name: 'avg_pool', conv: true, head: (x, y) => [{ op: 'AveragePool', name: 'head', inputs: [x], outputs: [y], attrs: { kernel_shape: ints([3, 3]), strides: ints([3, 3]) } }], prec: { accum: 'fixed<72,12>', result: 'fixed<54,2>' }, outShape: [4, 2, 2] },
    { name: 'global_avg_pool', conv: true, head: (x, y) => [{ op: 'GlobalAveragePool', name: 'head', inputs: [x], outputs: [y] }], prec: { accum: 'fixed<72,12>', result: 'fixed<54,2>' }, outShape: [4, 1, 1] },
  ];

  for (const c of cases)
    it(`${c.name} on a ${c.body ?? WIDE} input: the emulator runs it and equals the C simulation`, async () => {
      const r = rng(c.name.length * 31 + 7);
      // float64 initializers: the 32-bit weight type keeps 30 fractional bits of them.
      const rand = (dims: number[], s: number) => ({ dims, type: 11, raw: true, data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (r() * 2 - 1) * s) });
      const spec: ModelSpec = c.conv
        ? {
            inputs: [{ name: 'x', dims: [1, 4, 6, 6] }],
            outputs: ['y'],
            nodes: [{ op: 'Conv', name: 'body', inputs: ['x', 'W', 'B'], outputs: ['h'], attrs: { kernel_shape: ints([1, 1]) } }, ...c.head('h', 'y')],
            inits: { W: rand([4, 4, 1, 1], 0.5), B: rand([4], 0.5), ...c.inits },
          }
        : {
            inputs: [{ name: 'x', dims: [1, 8] }],
            outputs: ['y'],
            nodes: [{ op: 'Gemm', name: 'body', inputs: ['x', 'W', 'B'], outputs: ['h'], attrs: { transB: i(1) } }, ...c.head('h', 'y')],
            inits: { W: c.weight ? { ...rand([12, 8], c.weight.scale), data: rand([12, 8], c.weight.scale).data.map(Math.round) } : rand([12, 8], 0.5), B: rand([12], 0.5), ...c.inits },
          };
      const model = path.join(tmp, `${c.name}.onnx`);
      writeFileSync(model, buildModel(spec));
      const cfg = path.join(tmp, `${c.name}.yml`);
      const prec = { result: 'fixed<24,8,RND,SAT>', ...c.prec };
      writeFileSync(
        cfg,
        `HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n    ReuseFactor: 1\n  LayerName:\n    body:\n      Precision:\n        weight: ${c.weight?.type ?? 'fixed<32,2>'}\n        accum: auto\n        result: ${c.body ?? WIDE}\n    head:\n` +
          (c.extra ? `      ${c.extra}\n` : '') +
          `      Precision:\n${Object.entries(prec)
            .map(([k, v]) => `        ${k}: ${v}\n`)
            .join('')}`,
      );
      const n = 300;
      const per = c.conv ? 4 * 6 * 6 : 8;
      const xf = path.join(tmp, `${c.name}_x.npy`);
      writeFileSync(xf, encodeNpy({ shape: c.conv ? [n, 4, 6, 6] : [n, 8], data: normal(rng(5), n * per, 2) }, 'f4'));

      const e = await cli('emulate', model, '-c', cfg, '-i', xf, '-o', path.join(tmp, `${c.name}_y.npy`));
      expect(e.err).not.toMatch(/FML5001|error/);
      expect(e.code).toBe(0);

      const prj = path.join(tmp, `${c.name}_prj`);
      const k = await cli('compile', model, '-c', cfg, '-o', prj, '--input', xf, '--samples', String(n));
      expect(k.err).not.toMatch(/error/);
      expect(k.code).toBe(0);
      const defs = readFileSync(path.join(prj, 'firmware/defines.h'), 'utf8') + readFileSync(path.join(prj, 'firmware/parameters.h'), 'utf8');
      expect(defs).toContain(`ap_fixed<${(c.body ?? WIDE).slice(6)}`);
      const s = await cli('csim', prj);
      expect(s.err).toBe('');
      const outs = c.outShape.reduce((a, b) => a * b, 1);
      expect(s.out).toContain(`${n} samples, ${outs} outputs each, 0 mismatching values`);
      // The values csim printed are the ones `emulate` writes (not merely "no mismatch").
      const want = decodeNpy(new Uint8Array(readFileSync(path.join(tmp, `${c.name}_y.npy`))));
      const got = readFileSync(path.join(prj, 'tb_data/csim_results.log'), 'utf8').trim().split('\n').flatMap((row) => row.split(' ').map(Number));
      // The log is channels-last (the IR's layout); `emulate` writes the model's NCHW.
      const [C, H, W] = c.outShape.length === 3 ? c.outShape : [c.outShape[0]!, 1, 1];
      const nhwc = Array.from(want.data, (_, q) => {
        const s0 = Math.floor(q / outs);
        const r0 = q % outs;
        const [h, w, ch] = [Math.floor(r0 / (W * C)), Math.floor(r0 / C) % W, r0 % C];
        return want.data[s0 * outs + ch * H * W + h * W + w]!;
      });
      expect(got).toEqual(nhwc);
    });
});

describe('wide inputs to table activations (elu, selu)', () => {
  it('emulate exactly (lambda * x through BigInt); the C++ backend refuses them, naming the layer', async () => {
    // lambda * x with x of 50 significant bits needs 66: the exact product, then the cast.
    const lambda = makeCast(fixedType(16, 1, false))(1.0507009873554805);
    const t = fixedType(56, 6);
    const sel = wideSelu(lambda, new Float64Array(8), 8, t);
    const r = rng(17);
    // Values of ~50 significant bits in [0, 4) on a 2^-48 grid.
    const xs = Float64Array.from({ length: 500 }, () => (Math.floor(r() * 2 ** 25) * 2 ** 25 + Math.floor(r() * 2 ** 25)) * 2 ** -48);
    const y = new Float64Array(xs.length);
    sel(xs, y);
    const p = splitDouble(lambda);
    let differs = 0;
    xs.forEach((x, k) => {
      const v = splitDouble(x);
      expect(y[k]).toBe(Number(quantizeBig(p.n * v.n, p.e + v.e, t)) * 2 ** -50);
      if (y[k] !== makeCast(t)(lambda * x)) differs++; // what a double product gives
    });
    expect(differs).toBeGreaterThan(0);

    const spec: ModelSpec = {
      inputs: [{ name: 'x', dims: [1, 8] }],
      outputs: ['y'],
      nodes: [
        { op: 'Gemm', name: 'body', inputs: ['x', 'W', 'B'], outputs: ['h'], attrs: { transB: i(1) } },
        { op: 'Selu', name: 'head', inputs: ['h'], outputs: ['y'] },
      ],
      inits: { W: { dims: [6, 8], type: 11, raw: true, data: normal(rng(2), 48, 0.4) }, B: { dims: [6], data: [0.1, -0.2, 0.3, 0, 0.5, -0.6] } },
    };
    const model = path.join(tmp, 'selu.onnx');
    writeFileSync(model, buildModel(spec));
    const cfg = path.join(tmp, 'selu.yml');
    writeFileSync(cfg, 'HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n  LayerName:\n    body:\n      Precision:\n        weight: fixed<32,2>\n        accum: auto\n        result: fixed<57,17>\n    head:\n      Precision:\n        result: fixed<54,4>\n');
    const xf = path.join(tmp, 'selu_x.npy');
    writeFileSync(xf, encodeNpy({ shape: [50, 8], data: normal(rng(4), 400, 2) }, 'f4'));
    const e = await cli('emulate', model, '-c', cfg, '-i', xf, '-o', path.join(tmp, 'selu_y.npy'));
    expect(e.err).not.toMatch(/FML5001|error/);
    expect(e.code).toBe(0);
    const k = await cli('compile', model, '-c', cfg, '-o', path.join(tmp, 'selu_prj'));
    expect(k.code).not.toBe(0);
    expect(k.err).toMatch(/head[\s\S]*table activation on a 57-bit input/);
  });
});

describe('table activation index on inputs too wide for x * N in a double', () => {
  it('a 1000-entry sigmoid table on a 56-bit input indexes exactly (trunc0(x * N / 16) on BigInts)', () => {
    const inT = fixedType(56, 8);
    const resT = fixedType(18, 8);
    const N = 1000;
    const table = sigmoidTable(N, fixedType(18, 8));
    const k = compileActivation({ kind: 'sigmoid', inT, resT, tableSize: N }, () => undefined);
    // Inputs x = a 2^-48 (|x| in [4, 8): 51 significant bits, exact doubles) just below an index
    // step: x * N / 16 = m - r 2^-49 with a small r, so that x * N rounded to a double lands on
    // the step and would truncate one entry too high. a = (m 2^49 - r) / 125 must be an integer.
    const xs: number[] = [];
    for (let m = 250; m < 500; m++) {
      const r = (BigInt(m) << 49n) % 125n;
      if (r >= 1n && r <= 15n) for (const sign of [1, -1]) xs.push(sign * Number(((BigInt(m) << 49n) - r) / 125n) * 2 ** -48);
    }
    expect(xs.length).toBeGreaterThan(10);
    const y = new Float64Array(xs.length);
    k(Float64Array.from(xs), y);
    const cast = makeCast(resT);
    let naiveDiffers = 0;
    xs.forEach((x, q) => {
      const v = splitDouble(x);
      const num = v.n * BigInt(N);
      const e = v.e - 4;
      const t = Number(e >= 0 ? num << BigInt(e) : num / (1n << BigInt(-e)));
      const idx = Math.min(N - 1, Math.max(0, t + N / 2));
      expect(y[q]).toBe(cast(table[idx]!));
      const naive = Math.min(N - 1, Math.max(0, Math.trunc((x * N) / 16) + N / 2));
      if (naive !== idx) naiveDiffers++;
    });
    expect(naiveDiffers).toBeGreaterThan(0);
  });
});
