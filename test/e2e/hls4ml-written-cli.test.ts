/**
 * @fileoverview The commands on an hls4ml project folder as hls4ml leaves it: its
 * `hls4ml_config.yml` (a verbatim public file, test/fixtures/configs/hls4ml-written) beside the
 * `keras_model.h5` hls4ml saved. The file names the model with `!keras_model <path relative to
 * where hls4ml ran>`; fastml finds the model beside the file, prints no YAML parser warning, notes
 * what it does not apply, reads XilinxPart as the part, and never writes into the hls4ml project
 * (OutputDir is that folder).
 */

import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { dataDir } from '../helpers/data.js';
import { encodeNpy } from '../../src/io/npy.js';
import { normal, rng } from '../../src/tools/onnx-writer.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-h4w-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

// The project folder: the verbatim file of crimson1256/image_only_qmodel (VivadoAccelerator,
// pynq-z2, XilinxPart, !keras_model, Stamp; no LayerName, so any model applies) and, as its
// keras_model.h5, the jet tagger's full-model .h5 (the project's own model is not published).
const proj = path.join(tmp, 'imgonly_qmodel');
mkdirSync(proj);
const cfg = path.join(proj, 'hls4ml_config.yml');
copyFileSync(path.join(dataDir, 'configs/hls4ml-written/image_only_qmodel_hls4ml_config.yml'), cfg);
copyFileSync(path.join(dataDir, 'models/jet_mlp_3layer/keras_3layer.h5'), path.join(proj, 'keras_model.h5'));
const xf = path.join(tmp, 'x.npy');
writeFileSync(xf, encodeNpy({ shape: [10, 16], data: normal(rng(4), 160, 1) }, 'f4'));
const snapshot = (dir: string) => readdirSync(dir).map((f) => `${f}:${statSync(path.join(dir, f)).size}:${statSync(path.join(dir, f)).mtimeMs}`).sort();

describe('an hls4ml project folder as MODEL', () => {
  it('emulate: the model beside the file, notes for what is not applied, no parser warning', async () => {
    const r = await cli('emulate', cfg, '-i', xf, '-o', 'y.npy');
    expect(r.code).toBe(0);
    expect(existsSync(path.join(tmp, 'y.npy'))).toBe(true);
    expect(r.err).not.toMatch(/YAMLWarning|Unresolved tag|TAG_RESOLVE/);
    expect(r.err).toMatch(/FML4016.*!keras_model.*keras_model\.h5/);
    expect(r.err).toMatch(/FML4015.*Stamp 19bd9890/);
  });

  it('compile refuses to write into the hls4ml project (OutputDir is its folder), and touches nothing there', async () => {
    const before = snapshot(proj);
    const r = await cli('compile', cfg);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error/);
    expect(r.err).toMatch(/OutputDir/);
    expect(snapshot(proj)).toEqual(before);
    expect(readFileSync(cfg, 'utf8')).toBe(readFileSync(path.join(dataDir, 'configs/hls4ml-written/image_only_qmodel_hls4ml_config.yml'), 'utf8'));
  });

  it('Backend: oneAPI (a verbatim hls4ml 1.0 file): emulate works, compile names the key and the file, --backend vivado builds', async () => {
    const one = path.join(tmp, 'hls4ml_prj');
    mkdirSync(one);
    const ocfg = path.join(one, 'hls4ml_config.yml');
    copyFileSync(path.join(dataDir, 'configs/hls4ml-written/oneapi_optimizer_issue_hls4ml_config.yml'), ocfg);
    copyFileSync(path.join(dataDir, 'models/qkeras_jet_mlp_3layer/qkeras-v3_3layer.keras'), path.join(one, 'keras_model.keras'));
    const e = await cli('emulate', ocfg, '-i', xf, '-o', 'y1.npy');
    expect(e.code).toBe(0);
    expect(e.err).toMatch(/warning FML4015: .*Backend oneAPI: fastml writes Vivado and Vitis HLS projects only/);
    const c = await cli('compile', ocfg, '-o', 'one_prj');
    expect(c.code).toBe(2);
    expect(c.err).toContain(`Backend in ${ocfg}: "oneAPI" is not vivado or vitis`);
    expect(existsSync(path.join(tmp, 'one_prj'))).toBe(false);
    // Its Part (Agilex7) is Intel's: a Xilinx part is needed too.
    const v = await cli('compile', ocfg, '-o', 'one_prj', '--backend', 'vivado', '--part', 'xcvu13p-flga2577-2-e');
    expect(v.code).toBe(0);
    expect(existsSync(path.join(tmp, 'one_prj', 'firmware'))).toBe(true);
  });

  it('compile -o: builds for the XilinxPart of the file', async () => {
    const r = await cli('compile', cfg, '-o', 'fastml_prj');
    expect(r.err).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(r.out).toContain('xc7z020clg400-1');
    expect(existsSync(path.join(tmp, 'fastml_prj', 'firmware'))).toBe(true);
  });
});
