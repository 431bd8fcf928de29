/**
 * @fileoverview Regression tests for the crash, hang, memory and message classes the fuzzer found
 * in the model readers and passes (issue 11, "Robustness at scale"): ONNX, Keras, HDF5, QKeras,
 * precision inference. Each test builds the hostile input from a fixture model, runs the real CLI
 * in-process and checks the exit code and that the message names the file / layer and the problem
 * (never "internal error", never a JavaScript error text). Files, names, limits and walks are in
 * robustness-files.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { onnx } from '../../src/frontends/onnx/proto.js';
import { encodeNpy } from '../../src/io/npy.js';
import { LIMITS } from '../../src/diagnostics/limits.js';
import { cli, editOnnx, expectClean, jetInput, jetJson, jetOnnx, jetWeights, kerasCase, kerasRenamed, models, qkerasV3, tmp, zip64Member, zipBomb } from '../helpers/robust.js';

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
    expectClean(await cli(['inspect', 'd.onnx'], dir), 2, /d\.onnx.*graph output "never_made" is not produced by any node/);
    const x = jetInput(dir);
    expectClean(await cli(['emulate', 'd.onnx', '-i', x, '-o', 'y.npy'], dir), 2, /never_made/);
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
    expectClean(await cli(['inspect', 's.onnx'], dir), 2, /s\.onnx: node "Convolution28" \(Conv\): unsupported attribute strides: \[0, 1\]/);
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
    expectClean(await cli(['inspect', 'a.onnx'], dir), 2, /a\.onnx: node "Softmax" \(Softmax\): attribute "axis" is STRING, expected INT/);
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
    expectClean(r, 2, /m\.json.*layer entry 1 .* is null, not a layer object/);
    expect(r.err).toMatch(/layer entry 2 .* is a number/);
  });

  it('reports a layer without class_name without printing "undefined"', async () => {
    const dir = tmp();
    const m = kerasCase(dir, (cfg) => delete cfg.config.layers[1].class_name);
    expectClean(await cli(['inspect', m], dir), 2, /has no class_name/);
  });

  it('refuses batch_input_shape [] and fractional dims', async () => {
    const dir = tmp();
    const a = kerasCase(dir, (cfg) => (cfg.config.layers[0].config.batch_input_shape = []));
    expectClean(await cli(['inspect', a], dir), 2, /input shape \[\] is not a fixed shape/);
    const b = kerasCase(dir, (cfg) => (cfg.config.layers[0].config.batch_input_shape = [null, 1.5]));
    expectClean(await cli(['inspect', b], dir), 2, /input shape \[1\.5\] is not a fixed shape/);
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
    expectClean(await cli(['inspect', 'f.json'], dir), 2, /node "d" \(Dense\): cannot read the inbound node/);
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
    // The reader spins synchronously (as h5wasm does on some corrupt files): stopped at the deadline.
    const t0 = Date.now();
    const r = await readH5Tree(bytes, 500, true);
    expect(r).toMatchObject({ ok: false, limit: 'hdf5DeadlineMs' });
    expect(Date.now() - t0).toBeLessThan(10_000);
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
    // The capped type is emulated exactly (the BigInt path for types past 53 bits): it runs, and says
    // which layer's type was capped.
    expect(r.code, r.err).toBe(0);
    expect(existsSync(path.join(dir, 'y.npy'))).toBe(true);
    expect(r.err).toMatch(/warning FML6560: node "fc1_relu": the exact accum type would be \d{4} bits wide.*capped at 1024 bits/);
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
    expectClean(await cli(['inspect', a], dir), 2, /node "fc1" \(QDense\): kernel_quantizer: quantized_bits: bits=65 must be an integer from 1 to 64/);
    const b = withQuantizer(dir, (c) => (c.kernel_quantizer.config.integer = -(2 ** 31)));
    expectClean(await cli(['inspect', b], dir), 2, /node "fc1" \(QDense\): kernel_quantizer: quantized_bits: integer=-2147483648 must be an integer from -6 to 6/);
    const c2 = withQuantizer(dir, (c) => (c.bias_quantizer = 'quantized_bits(nan,0)'));
    expectClean(await cli(['inspect', c2], dir), 2, /node "fc1" \(QDense\): bias_quantizer: quantized_bits: bits="nan" must be an integer/);
  });
});

describe('found by the fuzzer', () => {
  it('an ONNX node whose data input is empty: reported, no output file attempted', async () => {
    const dir = tmp();
    const conv2d = path.join(models, 'conv2d_small/conv2d_small_keras.onnx');
    writeFileSync(path.join(dir, 'e.onnx'), editOnnx(conv2d, (m) => (m.graph.node.find((n: any) => n.opType === 'Identity').input[0] = '')));
    writeFileSync(path.join(dir, 'x.npy'), encodeNpy({ shape: [2, 8, 8, 1], data: new Float64Array(128) }));
    expectClean(await cli(['emulate', 'e.onnx', '-i', 'x.npy', '-o', 'y.npy'], dir), 2, /e\.onnx: node "Identity" \(Identity\): the first input \(the data input\) is empty/);
    expect(existsSync(path.join(dir, 'y.npy'))).toBe(false);
  });

  it('a Keras inbound node naming no tensor ([[[]]]) and a missing units are reported in words', async () => {
    const dir = tmp();
    // jet_mlp_3layer is Sequential (no inbound nodes): use the Functional batch-norm model.
    const bnJson = path.join(models, 'jet_mlp_3layer_batchnorm/KERAS_3layer_batch_norm.json');
    const bnW = path.join(models, 'jet_mlp_3layer_batchnorm/KERAS_3layer_batch_norm_weights.h5');
    const m = kerasCase(dir, (cfg) => (cfg.config.layers.find((l: any) => l.class_name === 'Activation').inbound_nodes = [[[]]]), bnJson, bnW);
    expectClean(await cli(['inspect', m], dir), 2, /cannot read the inbound node of the layer/);
    const u = kerasCase(dir, (cfg) => delete cfg.config.layers.find((l: any) => l.class_name === 'Dense').config.units);
    expectClean(await cli(['inspect', u], dir), 2, /\(Dense\): units is missing from the layer config/);
  });

  it('a type with integer bits -2^31 is refused when the configuration is read', async () => {
    const dir = tmp();
    const x = jetInput(dir);
    writeFileSync(path.join(dir, 'c.yml'), 'HLSConfig:\n  Model: {Precision: "ap_fixed<64,-2147483648>", ReuseFactor: 1}\n');
    expectClean(await cli(['emulate', jetOnnx, '-i', x, '-c', 'c.yml', '-o', 'y.npy'], dir), 2, /c\.yml.*integer bits I must be -4096\.\.4096/);
  });
});
