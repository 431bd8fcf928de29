/**
 * @fileoverview Config-only use, as hls4ml's own tooling is driven: `fastml compile config.yml`
 * (and emulate / estimate / check) where the configuration names the model (KerasJson + KerasH5,
 * KerasModel, OnnxModel) and the output (OutputDir, ProjectName), relative to the configuration
 * file, not to the working directory. Flags win over the file. Errors name the file and the key.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { dataDir } from '../helpers/data.js';
import { encodeNpy } from '../../src/io/npy.js';
import { normal, rng } from '../../src/tools/onnx-writer.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-cfgonly-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp); // the working directory is tmp, not the configuration's folder
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const src = path.join(dataDir, 'models', 'jet_mlp_3layer');
const models = path.join(tmp, 'work', 'models');
const cfgDir = path.join(tmp, 'work', 'configs');
mkdirSync(models, { recursive: true });
mkdirSync(cfgDir, { recursive: true });
for (const f of ['KERAS_3layer.json', 'KERAS_3layer_weights.h5', 'keras_3layer.h5', 'three_layer_keras.onnx']) copyFileSync(path.join(src, f), path.join(models, f));
const hls = 'HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n    ReuseFactor: 1\n    Strategy: Latency\n';
const write = (name: string, text: string): string => {
  const f = path.join(cfgDir, name);
  writeFileSync(f, text);
  return f;
};
const kerasCfg = write('keras.yml', `KerasJson: ../models/KERAS_3layer.json\nKerasH5: ../models/KERAS_3layer_weights.h5\nOutputDir: out_prj\nProjectName: myjet\nIOType: io_parallel\n${hls}`);
const onnxCfg = write('onnx.yml', `OnnxModel: ../models/three_layer_keras.onnx\nOutputDir: onnx_prj\n${hls}`);
const h5Cfg = write('h5.yml', `KerasModel: ../models/keras_3layer.h5\n${hls}`);
const xf = path.join(tmp, 'x.npy');
writeFileSync(xf, encodeNpy({ shape: [20, 16], data: normal(rng(2), 320, 1) }, 'f4'));

describe('config-only use', () => {
  it('compile config.yml: model and output from the file, relative to it', async () => {
    const r = await cli('compile', kerasCfg);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(cfgDir, 'out_prj', 'firmware', 'myjet.cpp'))).toBe(true);
    expect(existsSync(path.join(tmp, 'out_prj'))).toBe(false);
  });

  it('flags win over the file', async () => {
    const r = await cli('compile', kerasCfg, '-o', 'other_prj', '--project', 'p2', '--io', 'io_stream');
    expect(r.code).toBe(0);
    expect(r.out).toContain('project p2 (io_stream,');
    expect(existsSync(path.join(tmp, 'other_prj', 'firmware', 'p2.cpp'))).toBe(true);
  });

  it('emulate, check and estimate read the model from the configuration; the same bits as with the model file', async () => {
    const a = await cli('emulate', kerasCfg, '-i', xf, '-o', 'a.npy');
    expect(a.code).toBe(0);
    const b = await cli('emulate', path.join(models, 'KERAS_3layer.json'), '--weights', path.join(models, 'KERAS_3layer_weights.h5'), '-c', kerasCfg, '-i', xf, '-o', 'b.npy');
    expect(b.code).toBe(0);
    expect(readFileSync(path.join(tmp, 'a.npy'))).toEqual(readFileSync(path.join(tmp, 'b.npy')));
    const c = await cli('check', onnxCfg, '-i', xf);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/agreement/i);
    const e = await cli('estimate', h5Cfg, '--json');
    expect(e.code).toBe(0);
    expect(JSON.parse(e.out).layers.length).toBeGreaterThan(2);
  });

  it('compile with OnnxModel and KerasModel', async () => {
    expect((await cli('compile', onnxCfg)).code).toBe(0);
    expect(existsSync(path.join(cfgDir, 'onnx_prj'))).toBe(true);
    expect((await cli('compile', h5Cfg, '-o', 'h5_prj')).code).toBe(0);
  });

  it('clear errors: no model named, a missing file, two configurations', async () => {
    const none = await cli('compile', write('none.yml', hls));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/FML4021.*none\.yml|none\.yml[\s\S]*FML4021/);
    expect(none.err).toContain('names no model');
    const missing = await cli('estimate', write('missing.yml', `OnnxModel: nope.onnx\n${hls}`));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('OnnxModel: no such file');
    expect(missing.err).toContain(path.join(cfgDir, 'nope.onnx'));
    const noH5 = await cli('emulate', write('noh5.yml', `KerasJson: ../models/KERAS_3layer.json\n${hls}`), '-i', xf);
    expect(noH5.code).toBe(2);
    expect(noH5.err).toContain('KerasJson needs KerasH5');
    const two = await cli('compile', kerasCfg, '--config', onnxCfg);
    expect(two.code).toBe(2);
    expect(two.err).toContain('FML4020');
  });
});
