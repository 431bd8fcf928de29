/**
 * @fileoverview Regression tests for every crash, hang, memory and message class the fuzzer found
 * (issue 11, "Robustness at scale"). Each test builds the hostile input from a fixture model, runs
 * the real CLI in-process and checks the exit code and that the message names the file / layer and
 * the problem (never "internal error", never a JavaScript error text).
 */

import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { onnx } from '../../src/frontends/onnx/proto.js';
import { encodeNpy } from '../../src/io/npy.js';
import { LIMITS } from '../../src/diagnostics/limits.js';
import { dataDir } from '../helpers/data.js';

const models = path.join(dataDir, 'models');
const jetOnnx = path.join(models, 'jet_mlp_3layer/three_layer_keras.onnx');
const jetJson = path.join(models, 'jet_mlp_3layer/KERAS_3layer.json');
const jetWeights = path.join(models, 'jet_mlp_3layer/KERAS_3layer_weights.h5');
const qkerasV3 = path.join(models, 'qkeras_jet_mlp_3layer/qkeras-v3_3layer.keras');

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'fml-robust-'));
}

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO(cwd);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

/** The answer must be a diagnostic: no internal error, no JavaScript error text. */
function expectClean(r: { code: number; err: string }, code: number, pattern: RegExp): void {
  expect(r.err).not.toMatch(/internal error|Cannot read propert|Invalid typed array|Maximum call stack|\bundefined\b/);
  expect(r.err).toMatch(pattern);
  expect(r.code).toBe(code);
}

function editOnnx(src: string, edit: (m: any) => void): Uint8Array {
  const m = onnx.ModelProto.decode(readFileSync(src)) as any;
  edit(m);
  return onnx.ModelProto.encode(m).finish();
}

/** The jet tagger's architecture JSON, edited, with its weights beside it. */
function kerasCase(dir: string, edit: (cfg: any) => void, json = jetJson, weights = jetWeights): string {
  const cfg = JSON.parse(readFileSync(json, 'utf8'));
  edit(cfg);
  writeFileSync(path.join(dir, 'm.json'), JSON.stringify(cfg));
  copyFileSync(weights, path.join(dir, 'm_weights.h5'));
  return 'm.json';
}

/**
 * A Keras JSON model (the jet tagger by default) with layers renamed in the architecture and in the
 * weights file, and optionally its weights changed (`data(name, values)`).
 */
async function kerasRenamed(
  dir: string,
  rename: Record<string, string>,
  data: (name: string, v: Float32Array) => Float32Array = (_, v) => v,
  json = jetJson,
  weightsFile = jetWeights,
): Promise<string> {
  const m = kerasCase(dir, (cfg) => {
    let text = JSON.stringify(cfg);
    for (const [from, to] of Object.entries(rename)) text = text.split(JSON.stringify(from)).join(JSON.stringify(to));
    Object.assign(cfg, JSON.parse(text));
  }, json, weightsFile);
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  const f = new h5wasm.File(path.join(dir, 'm_weights.h5'), 'w');
  const src = new h5wasm.File(weightsFile, 'r');
  const old = src.attrs['layer_names']!.value as string[];
  const names = old.map((n) => rename[n] ?? n);
  f.create_attribute('layer_names', names);
  old.forEach((o, k) => {
    const nu = names[k]!;
    const g = f.create_group(nu);
    const sg = src.get(o) as any;
    const wnOld = sg.attrs['weight_names'].value as string[];
    const wn = wnOld.map((w) => w.replace(o + '/', nu + '/'));
    g.create_attribute('weight_names', wn);
    wnOld.forEach((w, j) => {
      const ds = sg.get(w);
      const sub: any = g.get(nu) ?? g.create_group(nu);
      sub.create_dataset({ name: wn[j]!.split('/').pop(), data: data(w, Float32Array.from(ds.value as ArrayLike<number>)), shape: ds.shape, dtype: '<f' });
    });
  });
  f.close();
  src.close();
  return m;
}

function jetInput(dir: string, n = 4): string {
  const data = new Float64Array(n * 16).map((_, k) => Math.sin(k));
  writeFileSync(path.join(dir, 'x.npy'), encodeNpy({ shape: [n, 16], data }));
  return 'x.npy';
}

/** A zip whose one deflated member inflates to `size` zeros (a multiple of 1 MiB), declaring `declared`. */
function zipBomb(name: string, size: number, declared: number, others: Record<string, Uint8Array> = {}): Uint8Array {
  // One byte-aligned deflate block of 1 MiB of zeros, repeated, then an empty final block: the
  // stream is made in milliseconds instead of compressing a gigabyte.
  const block = deflateRawSync(new Uint8Array(1 << 20), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const deflated = Buffer.concat([...Array(size >> 20).fill(block), Buffer.from([3, 0])]);
  // Built from a real archive: the member is added with zipSync, then its data and sizes are replaced.
  const placeholder = new Uint8Array(deflated.length).map((_, k) => (k * 7919) & 0xff);
  const z = zipSync({ ...others, [name]: [placeholder, { level: 0 }] });
  const dv = new DataView(z.buffer);
  const at = Buffer.from(z).indexOf(Buffer.from(placeholder.subarray(0, 64)));
  z.set(deflated, at);
  for (let p = 0; p + 4 <= z.length; p++) {
    const sig = dv.getUint32(p, true);
    if (sig === 0x04034b50 || sig === 0x02014b50) {
      const central = sig === 0x02014b50;
      const nlen = dv.getUint16(p + (central ? 28 : 26), true);
      const nm = strFromU8(z.subarray(p + (central ? 46 : 30), p + (central ? 46 : 30) + nlen));
      if (nm !== name) continue;
      dv.setUint16(p + (central ? 10 : 8), 8, true);
      dv.setUint32(p + (central ? 24 : 22), declared, true);
    }
  }
  return z;
}

describe('ONNX reader', () => {
  it('refuses initializers with negative or huge dims before allocating (FML1105 / limit)', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'neg.onnx'), editOnnx(jetOnnx, (m) => (m.graph.initializer[0].dims[0] = -64)));
    expectClean(await cli(['inspect', 'neg.onnx'], dir), 2, /neg\.onnx.*dimension -64/);
    writeFileSync(path.join(dir, 'huge.onnx'), editOnnx(jetOnnx, (m) => (m.graph.initializer[0].dims = [2 ** 31, 2 ** 20])));
    expectClean(await cli(['inspect', 'huge.onnx'], dir), 2, /huge\.onnx.*maxTensorElements/);
  });
});

describe('ONNX graph checks', () => {
  const mnist = path.join(models, 'onnx_mnist_conv/model.onnx');
  it('reports a graph output that no node produces (inspect and emulate)', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'd.onnx'), editOnnx(jetOnnx, (m) => m.graph.output.push(onnx.ValueInfoProto.create({ name: 'never_made' }))));
    expectClean(await cli(['inspect', 'd.onnx'], dir), 1, /d\.onnx.*graph output "never_made" is not produced by any node/);
    const x = jetInput(dir);
    expectClean(await cli(['emulate', 'd.onnx', '-i', x, '-o', 'y.npy'], dir), 1, /never_made/);
  });

  it('refuses Conv pads of 2^31 at read time (the output shape goes over maxTensorElements)', async () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'p.onnx'),
      editOnnx(mnist, (m) => {
        const n = m.graph.node.find((x: any) => x.opType === 'Conv');
        n.attribute = n.attribute.filter((a: any) => a.name !== 'auto_pad' && a.name !== 'pads');
        n.attribute.push(onnx.AttributeProto.create({ name: 'pads', type: 7, ints: [2 ** 31, 0, 0, 0] }));
      }),
    );
    expectClean(await cli(['inspect', 'p.onnx'], dir), 2, /p\.onnx: node "Convolution28" \(Conv\).*maxTensorElements/);
  });

  it('refuses Conv strides of 0 by name instead of computing a NaN shape', async () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 's.onnx'),
      editOnnx(mnist, (m) => {
        const n = m.graph.node.find((x: any) => x.opType === 'Conv');
        n.attribute = n.attribute.filter((a: any) => a.name !== 'strides');
        n.attribute.push(onnx.AttributeProto.create({ name: 'strides', type: 7, ints: [0, 1] }));
      }),
    );
    expectClean(await cli(['inspect', 's.onnx'], dir), 1, /s\.onnx: node "Convolution28" \(Conv\): unsupported attribute strides: \[0, 1\]/);
  });

  it('refuses a Softmax axis given as a string attribute', async () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'a.onnx'),
      editOnnx(jetOnnx, (m) => {
        const n = m.graph.node.find((x: any) => x.opType === 'Softmax');
        n.attribute = [onnx.AttributeProto.create({ name: 'axis', type: 3, s: strToU8('1') })];
      }),
    );
    expectClean(await cli(['inspect', 'a.onnx'], dir), 1, /a\.onnx: node "Softmax" \(Softmax\): attribute "axis" is STRING, expected INT/);
  });

  it('refuses an input dim of 1e6 feeding a Conv by the tensor limit, without allocating it', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'big.onnx'), editOnnx(mnist, (m) => (m.graph.input[0].type.tensorType.shape.dim[2].dimValue = 1e6)));
    expectClean(await cli(['inspect', 'big.onnx'], dir), 2, /big\.onnx.*maxTensorElements/);
  });
});

describe('Keras reader', () => {
  it('reports config.layers entries that are null or not objects, naming the entry', async () => {
    const dir = tmp();
    const m = kerasCase(dir, (cfg) => {
      cfg.config.layers[1] = null;
      cfg.config.layers[2] = 5;
    });
    const r = await cli(['inspect', m], dir);
    expectClean(r, 1, /m\.json.*layer entry 1 .* is null, not a layer object/);
    expect(r.err).toMatch(/layer entry 2 .* is a number/);
  });

  it('reports a layer without class_name without printing "undefined"', async () => {
    const dir = tmp();
    const m = kerasCase(dir, (cfg) => delete cfg.config.layers[1].class_name);
    expectClean(await cli(['inspect', m], dir), 1, /has no class_name/);
  });

  it('refuses batch_input_shape [] and fractional dims', async () => {
    const dir = tmp();
    const a = kerasCase(dir, (cfg) => (cfg.config.layers[0].config.batch_input_shape = []));
    expectClean(await cli(['inspect', a], dir), 1, /input shape \[\] is not a fixed shape/);
    const b = kerasCase(dir, (cfg) => (cfg.config.layers[0].config.batch_input_shape = [null, 1.5]));
    expectClean(await cli(['inspect', b], dir), 1, /input shape \[1\.5\] is not a fixed shape/);
  });

  it('refuses an input dim of 1e6 on a Dense model by the tensor limit, quickly and without the memory', async () => {
    const dir = tmp();
    const m = kerasCase(dir, (cfg) => (cfg.config.layers[0].config.batch_input_shape = [null, 1e6]));
    const t0 = Date.now();
    const r = await cli(['inspect', m], dir);
    expect(r.code).not.toBe(0);
    expectClean(r, r.code, /maxTensorElements|does not match|kernel/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('reports malformed inbound_nodes', async () => {
    const dir = tmp();
    const cfg = JSON.parse(readFileSync(path.join(models, 'conv1d_small/KERAS_conv1d_small.json'), 'utf8'));
    const fn = { class_name: 'Functional', config: { name: 'f', layers: [] as any[], input_layers: [['in', 0, 0]], output_layers: [['d', 0, 0]] } };
    fn.config.layers.push({ class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_input_shape: [null, 4] }, inbound_nodes: [] });
    fn.config.layers.push({ class_name: 'Dense', name: 'd', config: { name: 'd', units: 2 }, inbound_nodes: [[null]] });
    void cfg;
    writeFileSync(path.join(dir, 'f.json'), JSON.stringify(fn));
    writeFileSync(path.join(dir, 'f_weights.h5'), readFileSync(jetWeights));
    expectClean(await cli(['inspect', 'f.json'], dir), 1, /node "d" \(Dense\): cannot read the inbound node/);
  });

  it('reads a .keras whose metadata.json is null', async () => {
    const dir = tmp();
    const entries = unzipSync(readFileSync(qkerasV3));
    entries['metadata.json'] = strToU8('null');
    writeFileSync(path.join(dir, 'm.keras'), zipSync(entries));
    const r = await cli(['inspect', 'm.keras'], dir);
    expect(r.err).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
  });

  it('refuses a .keras that inflates to 1 GiB without inflating it (declared and lying sizes)', async () => {
    const dir = tmp();
    const entries = unzipSync(readFileSync(qkerasV3));
    delete entries['model.weights.h5'];
    writeFileSync(path.join(dir, 'big.keras'), zipBomb('model.weights.h5', 1 << 30, 1 << 30, entries));
    const before = process.memoryUsage().arrayBuffers;
    const t0 = Date.now();
    expectClean(await cli(['inspect', 'big.keras'], dir), 2, /big\.keras.*maxInflatedBytes/);
    writeFileSync(path.join(dir, 'lie.keras'), zipBomb('model.weights.h5', 1 << 30, 1000, entries));
    expectClean(await cli(['inspect', 'lie.keras'], dir), 2, /lie\.keras.*inflates to more than the 1000 bytes it declares/);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(LIMITS.maxInflatedBytes);
  }, 120_000);
});

/**
 * One stored member laid out as numpy.savez writes it (Python's zipfile with force_zip64=True): the
 * local header says 0xFFFFFFFF for both sizes and carries a zip64 extra field with the real ones,
 * the central directory gives the real sizes.
 */
function zip64Member(name: string, data: Uint8Array): Uint8Array {
  const nm = strToU8(name);
  const local = new Uint8Array(30 + nm.length + 20);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 45, true);
  lv.setUint32(18, 0xffffffff, true);
  lv.setUint32(22, 0xffffffff, true);
  lv.setUint16(26, nm.length, true);
  lv.setUint16(28, 20, true);
  local.set(nm, 30);
  lv.setUint16(30 + nm.length, 1, true);
  lv.setUint16(32 + nm.length, 16, true);
  lv.setBigUint64(34 + nm.length, BigInt(data.length), true);
  lv.setBigUint64(42 + nm.length, BigInt(data.length), true);
  const central = new Uint8Array(46 + nm.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 45, true);
  cv.setUint16(6, 45, true);
  cv.setUint32(20, data.length, true);
  cv.setUint32(24, data.length, true);
  cv.setUint16(28, nm.length, true);
  central.set(nm, 46);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, central.length, true);
  ev.setUint32(16, local.length + data.length, true);
  return new Uint8Array(Buffer.concat([local, data, central, end]));
}

describe('input files', () => {
  it('reads an .npz laid out as numpy.savez writes it (zip64 local headers)', async () => {
    const dir = tmp();
    const x = new Float64Array(32).map((_, k) => k / 8);
    writeFileSync(path.join(dir, 'x.npz'), zip64Member('x.npy', encodeNpy({ shape: [2, 16], data: x })));
    writeFileSync(path.join(dir, 'x.npy'), encodeNpy({ shape: [2, 16], data: x }));
    expect((await cli(['emulate', jetOnnx, '-i', 'x.npz', '-o', 'a.npy'], dir)).code).toBe(0);
    expect((await cli(['emulate', jetOnnx, '-i', 'x.npy', '-o', 'b.npy'], dir)).code).toBe(0);
    expect(readFileSync(path.join(dir, 'a.npy'))).toEqual(readFileSync(path.join(dir, 'b.npy')));
  });

  it('refuses an .npz that inflates to 1 GiB', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'x.npz'), zipBomb('x.npy', 1 << 30, 1 << 30));
    expectClean(await cli(['emulate', jetOnnx, '-i', 'x.npz', '-o', 'y.npy'], dir), 2, /x\.npz.*maxInflatedBytes/);
  }, 120_000);
});

describe('HDF5 reader', () => {
  it('stops at a hard-link cycle in the Keras 3 weight tree (maxHdf5Depth)', async () => {
    const dir = tmp();
    const entries = unzipSync(readFileSync(qkerasV3));
    const h5 = path.join(dir, 'w.h5');
    writeFileSync(h5, entries['model.weights.h5']!);
    const { default: h5wasm } = await import('h5wasm/node');
    await h5wasm.ready;
    const f = new h5wasm.File(h5, 'a');
    (f.get('layers') as any).create_hard_link('/layers', 'loop');
    f.close();
    entries['model.weights.h5'] = new Uint8Array(readFileSync(h5));
    writeFileSync(path.join(dir, 'cyc.keras'), zipSync(entries));
    const t0 = Date.now();
    expectClean(await cli(['inspect', 'cyc.keras'], dir), 2, /cyc\.keras:model\.weights\.h5.*hard-link cycle.*maxHdf5Depth/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('ends a read that overruns its deadline, and the next read works (hangs inside h5wasm)', async () => {
    const { readH5Tree } = await import('../../src/frontends/keras/h5-tree.js');
    const bytes = new Uint8Array(readFileSync(jetWeights));
    const warm = await readH5Tree(bytes);
    expect(warm.ok).toBe(true);
    const r = await readH5Tree(bytes, 0);
    expect(r).toMatchObject({ ok: false, limit: 'hdf5DeadlineMs' });
    const again = await readH5Tree(bytes);
    expect(again.ok).toBe(true);
  });

  it('reports a truncated or corrupt .h5 as HDF5 damage, not as a JavaScript error', async () => {
    const dir = tmp();
    const b = readFileSync(path.join(models, 'jet_mlp_3layer/keras_3layer.h5'));
    writeFileSync(path.join(dir, 'cut.h5'), b.subarray(0, 3000));
    expectClean(await cli(['inspect', 'cut.h5'], dir), 2, /cut\.h5: cannot read as HDF5/);
    const flipped = Buffer.from(b);
    for (let k = 200; k < 1200; k += 7) flipped[k] = flipped[k]! ^ 0x5a;
    writeFileSync(path.join(dir, 'flip.h5'), flipped);
    const r = await cli(['inspect', 'flip.h5'], dir);
    expectClean(r, r.code, /flip\.h5/);
    expect(r.code).toBe(2);
  });

  it('leaves no scratch file in the temp folder when reading a .keras', async () => {
    const dir = tmp();
    const before = readdirSync(os.tmpdir()).filter((n) => n.startsWith('fastml_keras_'));
    expect((await cli(['inspect', qkerasV3], dir)).code).toBe(0);
    const after = readdirSync(os.tmpdir()).filter((n) => n.startsWith('fastml_keras_'));
    expect(after).toEqual(before);
  });
});

describe('paths, names and pipes', () => {
  it('refuses -i naming a directory and a config that is a directory (EISDIR)', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'adir'));
    expectClean(await cli(['emulate', jetOnnx, '-i', 'adir', '-o', 'y.npy'], dir), 2, /adir.*is a directory/);
    jetInput(dir);
    expectClean(await cli(['emulate', jetOnnx, '-i', 'x.npy', '-c', 'adir', '-o', 'y.npy'], dir), 2, /adir.*is a directory/);
  });

  it('refuses --output into a missing folder (ENOENT) and writes nothing', async () => {
    const dir = tmp();
    const x = jetInput(dir);
    expectClean(await cli(['emulate', jetOnnx, '-i', x, '-o', 'missing/deeper/y.npy'], dir), 2, /folder .*missing.* does not exist/);
    expect(existsSync(path.join(dir, 'missing'))).toBe(false);
  });

  it('writes --trace files for layer names of 300 characters (ENAMETOOLONG), distinct per layer', async () => {
    const dir = tmp();
    const long = 'L'.repeat(300);
    const m = await kerasRenamed(dir, { fc1_relu: long + '1', fc2_relu: long + '2' });
    const x = jetInput(dir);
    const r = await cli(['emulate', m, '-i', x, '-o', 'y.npy', '--trace', 'tr'], dir);
    expect(r.err).not.toMatch(/internal error|ENAMETOOLONG/);
    expect(r.code).toBe(0);
    const files = readdirSync(path.join(dir, "tr"));
    const longOnes = files.filter((n) => n.startsWith('trace_LLL'));
    expect(longOnes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(longOnes).size).toBe(longOnes.length);
    for (const n of files) expect(Buffer.byteLength(n)).toBeLessThan(255);
  });

  it('refuses a deeply nested YAML configuration by the nesting limit, not a stack overflow', async () => {
    const dir = tmp();
    const x = jetInput(dir);
    writeFileSync(path.join(dir, 'deep.yml'), `HLSConfig:\n  Model: ${'['.repeat(20000)}1${']'.repeat(20000)}\n`);
    expectClean(await cli(['emulate', jetOnnx, '-i', x, '-c', 'deep.yml', '-o', 'y.npy'], dir), 2, /deep\.yml.*maxNestingDepth/);
    writeFileSync(path.join(dir, 'deep2.yml'), `HLSConfig:\n  Model: ${'['.repeat(200)}1${']'.repeat(200)}\n`);
    expectClean(await cli(['emulate', jetOnnx, '-i', x, '-c', 'deep2.yml', '-o', 'y.npy'], dir), 2, /deep2\.yml.*maxNestingDepth/);
  });

  it('escapes bidirectional control characters in C++ comments', async () => {
    const { commentText } = await import('../../src/backends/identifiers.js');
    expect(commentText('evil\u202Eesrever')).toBe('evil\\u202eesrever');
    const dir = tmp();
    const m = await kerasRenamed(dir, { fc1_relu: 'fc\u202E1' });
    const r = await cli(['compile', m, '-o', 'prj', '--samples', '2'], dir);
    expect(r.err).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const files = (readdirSync(path.join(dir, 'prj'), { recursive: true }) as string[]).filter((n) => /\.(h|cpp)$/.test(n));
    const text = files.map((f) => readFileSync(path.join(dir, 'prj', f), 'utf8')).join('\n');
    expect(text).toMatch(/fc\\u202e1/);
    expect(text).not.toMatch(/\u202E/);
  });

  it('handles EPIPE on stdout: a listener is installed, later output dropped', async () => {
    const before = new Set(process.stdout.listeners('error'));
    const { processIO } = await import('../../src/cli/io.js');
    const io = processIO();
    // Without its own listener, Node dies with "Unhandled 'error' event" when the reader goes away.
    const added = process.stdout.listeners('error').filter((l) => !before.has(l));
    expect(added).toHaveLength(1);
    (added[0] as (e: Error) => void)(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    const write = process.stdout.write;
    let wrote = false;
    process.stdout.write = (() => ((wrote = true), true)) as typeof process.stdout.write;
    try {
      io.out('after the reader went away\n');
    } finally {
      process.stdout.write = write;
    }
    expect(wrote).toBe(false);
  });

  it('does not die with an EPIPE stack trace when stdout is closed early (| head -1)', async () => {
    const { spawnSync } = await import('node:child_process');
    const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
    if (!existsSync(path.join(root, 'dist/cli/main.js'))) spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root });
    const r = spawnSync('bash', ['-c', `node ${JSON.stringify(path.join(root, 'bin/fastml.js'))} inspect ${JSON.stringify(jetOnnx)} | head -c 10 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.stdout).toMatch(/rc=0/);
    // compile | head -1: the project is still written completely.
    const dir = tmp();
    const c = spawnSync('bash', ['-c', `node ${JSON.stringify(path.join(root, 'bin/fastml.js'))} compile ${JSON.stringify(jetOnnx)} -o prj --samples 2 | head -1 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { encoding: 'utf8', cwd: dir });
    expect(c.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(c.stdout).toMatch(/rc=0/);
    expect(existsSync(path.join(dir, 'prj', 'fastml.lock.json'))).toBe(true);
  });
});

describe('precision', () => {
  const conv1d = path.join(models, 'conv1d_small/KERAS_conv1d_small.json');
  const conv1dW = path.join(models, 'conv1d_small/KERAS_conv1d_small_weights.h5');

  it('--quantize auto on a Conv1D with zero biases and N(0,1) calibration stays within the width limit', async () => {
    const dir = tmp();
    const m = await kerasRenamed(dir, {}, (name, v) => (/bias/.test(name) ? v.map(() => 0) : v), conv1d, conv1dW);
    let s = 7;
    const rnd = () => ((s = (s * 16807) % 2147483647), s / 2147483647);
    const normal = () => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
    writeFileSync(path.join(dir, 'c.npy'), encodeNpy({ shape: [64, 10, 4], data: new Float64Array(64 * 40).map(normal) }));
    const r = await cli(['emulate', m, '-i', 'c.npy', '-o', 'y.npy', '--quantize', 'auto', '--calibration', 'c.npy'], dir);
    expect(r.err).not.toMatch(/internal error|out of range/);
    expect(r.code).toBe(0);
    // The zero biases get a small signed type, not 5e-324's ~1090 fractional bits.
    expect(r.err).toMatch(/conv1_relu\.bias: range \[0\.000, 0\.000\] -> fixed<16,1,RND_CONV,SAT,0>/);
  });

  it('caps an inferred accumulator wider than 1024 bits and says so (warning naming the layer)', async () => {
    const dir = tmp();
    const x = jetInput(dir);
    writeFileSync(
      path.join(dir, 'c.yml'),
      'HLSConfig:\n  Model: {Precision: "fixed<16,6>", ReuseFactor: 1, Strategy: Latency}\n  LayerName:\n    fc1_relu: {Precision: {bias: "fixed<16,-1050>", accum: auto, result: auto}}\n',
    );
    const m = kerasCase(dir, () => {});
    const r = await cli(['emulate', m, '-i', x, '-c', 'c.yml', '-o', 'y.npy'], dir);
    expect(r.err).not.toMatch(/internal error|out of range/);
    // The capped type is still too wide for the emulator: a clear refusal naming the layer (exit 1).
    expectClean(r, 1, /node "fc1_relu" \(Dense\): precision "result" is 1024 bits wide/);
    expect(r.err).toMatch(/warning FML6560: .*accum type would be \d{4} bits wide.*capped at 1024 bits/);
  });
});

describe('QKeras quantizers', () => {
  const qjson = path.join(models, 'qkeras_jet_mlp_3layer/qkeras_3layer.json');
  const qweights = path.join(models, 'qkeras_jet_mlp_3layer/qkeras_3layer_weights.h5');
  const withQuantizer = (dir: string, edit: (layer: any) => void): string =>
    kerasCase(
      dir,
      (cfg) => {
        const fc1 = cfg.config.layers.find((l: any) => l.config?.name === 'fc1');
        edit(fc1.config);
      },
      qjson,
      qweights,
    );

  it('refuses bits=65, an integer of -2^31 and NaN widths, naming the layer', async () => {
    const dir = tmp();
    const a = withQuantizer(dir, (c) => (c.kernel_quantizer.config.bits = 65));
    expectClean(await cli(['inspect', a], dir), 1, /node "fc1" \(QDense\): kernel_quantizer: quantized_bits: bits=65 must be an integer from 1 to 64/);
    const b = withQuantizer(dir, (c) => (c.kernel_quantizer.config.integer = -(2 ** 31)));
    expectClean(await cli(['inspect', b], dir), 1, /node "fc1" \(QDense\): kernel_quantizer: quantized_bits: integer=-2147483648 must be an integer from -6 to 6/);
    const c2 = withQuantizer(dir, (c) => (c.bias_quantizer = 'quantized_bits(nan,0)'));
    expectClean(await cli(['inspect', c2], dir), 1, /node "fc1" \(QDense\): bias_quantizer: quantized_bits: bits="nan" must be an integer/);
  });
});

describe('limits on sizes asked for', () => {
  it('refuses TableSize 1e9 by maxTableSize (exit 2) instead of building a 7.9 GB table', async () => {
    const dir = tmp();
    const x = jetInput(dir);
    writeFileSync(path.join(dir, 't.yml'), 'HLSConfig:\n  Model: {Precision: "fixed<16,6>", ReuseFactor: 1, TableSize: 1000000000}\n');
    const t0 = Date.now();
    expectClean(await cli(['emulate', jetOnnx, '-i', x, '-c', 't.yml', '-o', 'y.npy'], dir), 2, /t\.yml.*TableSize 1000000000 is over fastml's limit maxTableSize/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('refuses --samples 1e9 and a test bench over maxBatchElements', async () => {
    const dir = tmp();
    expectClean(await cli(['compile', jetOnnx, '-o', 'p', '--samples', '1e9'], dir), 2, /--samples 1e9 is over fastml's limit maxSamples/);
    const mnist = path.join(models, 'onnx_mnist_conv/model.onnx');
    expectClean(await cli(['compile', mnist, '-o', 'p', '--samples', '100000'], dir), 2, /100000 test-bench samples of 784 values.*maxBatchElements/);
    expect(existsSync(path.join(dir, 'p'))).toBe(false);
  });

  it('refuses a .npy declaring 2^31 values before reading it', async () => {
    const dir = tmp();
    let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (134217728, 16), }";
    h = h.padEnd(117) + '\n';
    const head = new Uint8Array(10 + h.length);
    head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(head.buffer).setUint16(8, h.length, true);
    head.set(strToU8(h), 10);
    writeFileSync(path.join(dir, 'big.npy'), head);
    expectClean(await cli(['emulate', jetOnnx, '-i', 'big.npy', '-o', 'y.npy'], dir), 2, /big\.npy.*2147483648 values.*maxBatchElements/);
  });

  it('prints weights of a type with more than 100 fractional digits (toFixed limit)', async () => {
    const { formatFixedDecimals, quantizeAsPrinted } = await import('../../src/emulator/weights.js');
    const { fixedType } = await import('../../src/fixed/type.js');
    expect(formatFixedDecimals(0, 150)).toBe('0.' + '0'.repeat(150));
    expect(formatFixedDecimals(-0, 3)).toBe('-0.000');
    // fixed<16,-100>: 116 fractional bits, so 116 decimals are printed.
    expect(Array.from(quantizeAsPrinted([0, 2 ** -110, -(2 ** -112)], fixedType(16, -100)))).toEqual([0, 2 ** -110, -(2 ** -112)]);
  });
});

describe('walks and scratch files', () => {
  it('`fastml report /` answers quickly with the search limit instead of walking the file system', async () => {
    const t0 = Date.now();
    expectClean(await cli(['report', '/'], tmp()), 2, /\/: the search for csynth\.xml .* is over fastml's limit maxReportEntries/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('removes scratch left by killed runs (dead pid), and keeps a live run\'s', async () => {
    const dir = tmp();
    const dead = 2 ** 22 + 12345; // above the default pid_max: no such process
    mkdirSync(path.join(dir, `.prj.tmp-${dead}-abc`));
    writeFileSync(path.join(dir, `.prj.tmp-${dead}-abc`, 'half.cpp'), 'x');
    mkdirSync(path.join(dir, `.prj.tmp-${process.pid}-live`));
    mkdirSync(path.join(dir, `.prj.old-${dead}-abc`));
    writeFileSync(path.join(dir, `.y.npy.fastml-tmp-${dead}`), 'x');
    expect((await cli(['compile', jetOnnx, '-o', 'prj', '--samples', '2'], dir)).code).toBe(0);
    const x = jetInput(dir);
    expect((await cli(['emulate', jetOnnx, '-i', x, '-o', 'y.npy'], dir)).code).toBe(0);
    const left = readdirSync(dir).filter((n) => n.startsWith('.'));
    // The dead run's scratch is gone; the live one's and a moved-aside previous project are kept.
    expect(left.sort()).toEqual([`.prj.old-${dead}-abc`, `.prj.tmp-${process.pid}-live`].sort());
  });
});

describe('found by the fuzzer', () => {
  it('an ONNX node whose data input is empty: reported, no output file attempted', async () => {
    const dir = tmp();
    const conv2d = path.join(models, 'conv2d_small/conv2d_small_keras.onnx');
    writeFileSync(path.join(dir, 'e.onnx'), editOnnx(conv2d, (m) => (m.graph.node.find((n: any) => n.opType === 'Identity').input[0] = '')));
    writeFileSync(path.join(dir, 'x.npy'), encodeNpy({ shape: [2, 8, 8, 1], data: new Float64Array(128) }));
    expectClean(await cli(['emulate', 'e.onnx', '-i', 'x.npy', '-o', 'y.npy'], dir), 1, /e\.onnx: node "Identity" \(Identity\): the first input \(the data input\) is empty/);
    expect(existsSync(path.join(dir, 'y.npy'))).toBe(false);
  });

  it('a Keras inbound node naming no tensor ([[[]]]) and a missing units are reported in words', async () => {
    const dir = tmp();
    // jet_mlp_3layer is Sequential (no inbound nodes): use the Functional batch-norm model.
    const bnJson = path.join(models, 'jet_mlp_3layer_batchnorm/KERAS_3layer_batch_norm.json');
    const bnW = path.join(models, 'jet_mlp_3layer_batchnorm/KERAS_3layer_batch_norm_weights.h5');
    const m = kerasCase(dir, (cfg) => (cfg.config.layers.find((l: any) => l.class_name === 'Activation').inbound_nodes = [[[]]]), bnJson, bnW);
    expectClean(await cli(['inspect', m], dir), 1, /cannot read the inbound node of the layer/);
    const u = kerasCase(dir, (cfg) => delete cfg.config.layers.find((l: any) => l.class_name === 'Dense').config.units);
    expectClean(await cli(['inspect', u], dir), 1, /\(Dense\): units is missing from the layer config/);
  });

  it('a type with integer bits -2^31 is refused when the configuration is read', async () => {
    const dir = tmp();
    const x = jetInput(dir);
    writeFileSync(path.join(dir, 'c.yml'), 'HLSConfig:\n  Model: {Precision: "ap_fixed<64,-2147483648>", ReuseFactor: 1}\n');
    expectClean(await cli(['emulate', jetOnnx, '-i', x, '-c', 'c.yml', '-o', 'y.npy'], dir), 2, /c\.yml.*integer bits I must be -4096\.\.4096/);
  });
});
