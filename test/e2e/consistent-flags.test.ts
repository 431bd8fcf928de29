/**
 * @fileoverview The flags and checks that every command shares (src/cli/model-args.ts): --weights
 * and --io wherever a model is read, --precision in estimate as in compile, config --target / --io,
 * strategy names in any case, misspelled configuration keys warned by estimate too, config --reuse
 * checked like compile, part strings never rewritten, and an input array in the wrong layout refused
 * unless --layout says how to read it.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { dataDir } from '../helpers/data.js';
import { encodeNpy } from '../../src/io/npy.js';
import { normal, rng } from '../../src/tools/onnx-writer.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-flags-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const jet = path.resolve('models/jet_tagger.onnx');
const cnn = path.resolve('models/conv2d_small.onnx');
const kdir = path.join(dataDir, 'models', 'jet_mlp_3layer');
const kjson = path.join(kdir, 'KERAS_3layer.json');
const kh5 = path.join(kdir, 'KERAS_3layer_weights.h5');

describe('consistent flags across commands', () => {
  it('estimate: --weights, --io in every spelling, --precision as in compile, config warnings', async () => {
    const k = await cli('estimate', kjson, '--weights', kh5, '--json');
    expect(k.code).toBe(0);
    for (const [flag, v] of [['--io', 'stream'], ['--io', 'io_stream'], ['--io', 'STREAM'], ['--io-type', 'io_stream']]) {
      const r = await cli('estimate', jet, flag!, v!);
      expect(r.code).toBe(0);
      expect(r.out.split('\n')[0]).toMatch(/, io_stream$/);
    }
    expect((await cli('estimate', jet, '--io', 'serial')).code).toBe(2);
    const p16 = JSON.parse((await cli('estimate', jet, '--json')).out);
    const p8 = JSON.parse((await cli('estimate', jet, '--precision', 'fixed<8,3>', '--json')).out);
    expect(p8.total.lut).toBeLessThan(p16.total.lut);
    expect((await cli('estimate', jet, '--precision', 'fixed<x>')).code).toBe(2);
    const cfg = path.join(tmp, 'typo.yml');
    writeFileSync(cfg, 'HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n    ReuseFactr: 2\n');
    const w = await cli('estimate', jet, '-c', cfg);
    expect(w.code).toBe(0);
    expect(w.err).toContain('did you mean "ReuseFactor"');
  });

  it('emulate and check take --io and --weights like the other commands', async () => {
    writeFileSync(path.join(tmp, 'jx.npy'), encodeNpy({ shape: [4, 16], data: normal(rng(1), 64, 1) }, 'f4'));
    for (const cmd of ['emulate', 'check']) {
      for (const v of ['stream', 'io_parallel']) expect((await cli(cmd, jet, '-i', 'jx.npy', '--io', v, ...(cmd === 'emulate' ? ['-o', 'jy.npy'] : []))).code, `${cmd} --io ${v}`).toBe(0);
      const bad = await cli(cmd, jet, '-i', 'jx.npy', '--io', 'serial');
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('--io: "serial" is not parallel or stream');
      expect((await cli(cmd, kjson, '--weights', kh5, '-i', 'jx.npy', ...(cmd === 'emulate' ? ['-o', 'ky.npy'] : []))).code).toBe(0);
    }
  });

  it('config: --target and --io as in compile, strategy in any case, --reuse checked like compile', async () => {
    const t = await cli('config', jet, '--target', 'pynq-z2', '--io', 'stream', '--strategy', 'RESOURCE');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^Part: xc7z020clg400-1$/m);
    expect(t.out).toMatch(/^IOType: io_stream$/m);
    expect(t.out).toMatch(/Strategy: Resource/);
    const bad = await cli('config', jet, '--strategy', 'resource', '--reuse', '7');
    const compileBad = await cli('compile', jet, '--strategy', 'resource', '--reuse', '7', '-o', 'bad_prj');
    expect(bad.code).toBe(2);
    expect(compileBad.code).toBe(2);
    expect(bad.err).toContain('FML6510');
    expect(bad.err).toContain('reuse factor 7 is not valid for the Resource strategy');
  });

  it('a part string is never rewritten; an unknown part warns at compile as at estimate', async () => {
    const c = await cli('config', jet, '--part', 'xc7z020-clg400-1');
    expect(c.out).toMatch(/^Part: xc7z020-clg400-1$/m);
    const k = await cli('compile', jet, '--part', 'xc7z020clg400-1', '-o', 'z_prj', '--samples', '4');
    expect(k.code).toBe(0);
    expect(readFileSync(path.join(tmp, 'z_prj', 'build_prj.tcl'), 'utf8')).toContain('set part xc7z020clg400-1');
    const u = await cli('compile', jet, '--part', 'xc7z999abc-1', '-o', 'u_prj', '--samples', '4', '--strategy', 'LATENCY');
    expect(u.code).toBe(0);
    expect(u.out + u.err).toContain("part xc7z999abc-1 is not in fastml's device table");
    const e = await cli('estimate', jet, '--part', 'xc7z999abc-1');
    expect(e.out + e.err).toContain("part xc7z999abc-1 is not in fastml's device table");
  });

  it('an input array in another layout is an error unless --layout says how to read it', async () => {
    // conv2d_small.onnx takes NCHW [1, 16, 16]; give the same values as NHWC [16, 16, 1].
    const n = 5;
    const nchw = normal(rng(6), n * 256, 1);
    const nhwc = new Float32Array(nchw.length); // C = 1: the same values, another shape
    nhwc.set(nchw);
    writeFileSync(path.join(tmp, 'nchw.npy'), encodeNpy({ shape: [n, 1, 16, 16], data: nchw }, 'f4'));
    writeFileSync(path.join(tmp, 'nhwc.npy'), encodeNpy({ shape: [n, 16, 16, 1], data: nhwc }, 'f4'));
    for (const cmd of ['emulate', 'check']) {
      const r = await cli(cmd, cnn, '-i', 'nhwc.npy');
      expect(r.code, cmd).toBe(2);
      expect(r.err).toContain('FML6003');
      expect(r.err).toContain('not its shape [1, 16, 16]');
      expect(r.err).toContain('--layout');
    }
    expect((await cli('compile', cnn, '-i', 'nhwc.npy', '-o', 'l_prj')).code).toBe(2);
    const a = await cli('emulate', cnn, '-i', 'nchw.npy', '-o', 'a.npy');
    const b = await cli('emulate', cnn, '-i', 'nhwc.npy', '--layout', 'channels_last', '-o', 'b.npy');
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(readFileSync(path.join(tmp, 'b.npy'))).toEqual(readFileSync(path.join(tmp, 'a.npy')));
    expect((await cli('emulate', cnn, '-i', 'nhwc.npy', '--layout', 'sideways')).code).toBe(2);
  });

  it('--layout transposes channels: a 3-channel NHWC array for an NCHW model', async () => {
    // models/conv2d_small has one channel; the transpose itself is checked on the test's own data.
    const { readBatchInputs } = await import('../../src/emulator/session.js');
    const g = {
      inputs: ['x'],
      tensors: new Map([['x', { name: 'x', shape: [2, 2, 3] }]]),
      inputLayouts: { x: { source: 'NCHW', sourceShape: [3, 2, 2], perm: [1, 2, 0] } },
    } as unknown as Parameters<typeof readBatchInputs>[0];
    const hwc = Float32Array.from({ length: 12 }, (_, i) => i); // [h][w][c] = 3 * (2h + w) + c
    writeFileSync(path.join(tmp, 'hwc.npy'), encodeNpy({ shape: [1, 2, 2, 3], data: hwc }, 'f4'));
    const r = readBatchInputs(g, path.join(tmp, 'hwc.npy'), 'channels_last');
    // [c][h][w] order: channel 0 holds 0, 3, 6, 9.
    expect(Array.from(r['x']!.data)).toEqual([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
    expect(() => readBatchInputs(g, path.join(tmp, 'hwc.npy'))).toThrow(/FML6003/);
  });
});
