/**
 * @fileoverview fastml as a user installs it (issue 11): `npm pack`, `npm install -g --prefix TMP`
 * of the tarball (dependencies from the npm cache, else the registry), then `fastml --version`,
 * `compile`, `csim`, `emulate` and `check` from a folder outside the repository, with the
 * installed `fastml` on PATH and no npm variables in the environment (a user's shell). Catches a
 * run-time dependency left in devDependencies (check's onnxruntime-web reference, h5wasm for
 * Keras), a file missing from `files`, and next steps printed as `npx fastml`.
 *
 * The tarball is packed from the built dist/ (`npm test` builds first; run `npm run build` before
 * running this file alone): the test refuses a dist/ older than src/.
 */

import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataDir, projectRoot } from '../helpers/data.js';
import { expectBuiltDist } from '../helpers/dist.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('packed install', () => {
  it('installs from the tarball and runs compile, csim, emulate and check outside the repository', () => {
    const main = expectBuiltDist();
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-pack-'));
    const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toContain('onnxruntime-web');

    // A user's environment: no npm_* variables (vitest may run under `npm test`).
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.toLowerCase().startsWith('npm_')) env[k] = v;
    const quiet = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
    const packed = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp, ...quiet], { cwd: projectRoot, env, encoding: 'utf8' });
    const info = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
    const files = info[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('templates/ap_types/ap_fixed.h');
    expect(files.some((f) => f.startsWith('test/'))).toBe(false); // fixtures are not shipped
    const tarball = path.join(tmp, info[0]!.filename);

    const prefix = path.join(tmp, 'prefix');
    const inst = spawnSync(npm, ['install', '-g', '--prefix', prefix, tarball, ...quiet], { env, encoding: 'utf8' });
    expect(inst.status, inst.stderr).toBe(0);
    const binDir = process.platform === 'win32' ? prefix : path.join(prefix, 'bin');
    const pathEnv = { ...env, PATH: `${binDir}${path.delimiter}${env['PATH'] ?? ''}` };

    // A user's own folder, outside the repository, with their models.
    const work = path.join(tmp, 'work');
    mkdirSync(work);
    copyFileSync(path.join(projectRoot, 'models/jet_tagger.onnx'), path.join(work, 'jet_tagger.onnx'));
    for (const f of ['KERAS_3layer.json', 'KERAS_3layer_weights.h5']) copyFileSync(path.join(dataDir, 'models/jet_mlp_3layer', f), path.join(work, f));
    const fastml = (...args: string[]) => {
      const r = spawnSync('fastml', args, { cwd: work, env: pathEnv, encoding: 'utf8', shell: process.platform === 'win32' });
      return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
    };

    const v = fastml('--version');
    expect(v.code, v.err).toBe(0);
    expect(v.out.trim()).toBe(pkg.version);
    // The installed copy starts from the bundle and its code cache (npm pack dates every file 1985:
    // older than the bundle's manifest, so still fresh); the commands below run through it.
    expect(files).toEqual(expect.arrayContaining(['dist/cli.bundle.cjs', 'dist/cli.bundle.cache', 'dist/cli.bundle.json']));
    const traced = spawnSync('fastml', ['--version'], { cwd: work, env: { ...pathEnv, FASTML_START_TRACE: '1' }, encoding: 'utf8', shell: process.platform === 'win32' });
    expect(traced.stderr).toBe('fastml start: bundle with code cache\n');

    const c = fastml('compile', 'jet_tagger.onnx', '-o', 'jet_prj', '--samples', '8');
    expect(c.code, c.err).toBe(0);
    expect(c.out).toContain('Next:\n  fastml csim jet_prj');
    expect(c.out).not.toContain('npx fastml');

    const s = fastml('csim', 'jet_prj');
    expect(s.code, s.out + s.err).toBe(0);
    expect(s.out).toContain('csim PASSED');

    const e = fastml('emulate', 'jet_tagger.onnx', '-i', 'random:8:2', '-o', 'y.npy');
    expect(e.code, e.err).toBe(0);
    expect(existsSync(path.join(work, 'y.npy'))).toBe(true);

    // ONNX: onnxruntime-web is the float reference; Keras .json + .h5: h5wasm reads the weights.
    const k = fastml('check', 'jet_tagger.onnx', '-i', 'random:16', '--json');
    expect(k.code, k.err).toBe(0);
    expect(JSON.parse(k.out).reference).toBe('onnxruntime');
    const kk = fastml('check', 'KERAS_3layer.json', '-w', 'KERAS_3layer_weights.h5', '-i', 'random:16', '--max-abs-err', '100');
    expect(kk.code, kk.err).toBe(0);
    expect(kk.out).toContain('PASS');
  }, 240_000);
});
