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
