/**
 * @fileoverview Nothing a user owns is lost (issue 11): every writing command refuses an output that
 * is, holds or overwrites one of its inputs (with or without --force, exit 2, inputs untouched);
 * `compile --force` replaces only an empty or fastml-written folder; and a compile killed with
 * SIGKILL in the middle of writing (a real `node bin/fastml.js` process) leaves the previous
 * project exactly as it was.
 */

import { describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { encodeModel, normal, rng } from '../../src/tools/onnx-writer.js';
import { dataDir, projectRoot } from '../helpers/data.js';

async function cli(cwd: string, ...argv: string[]) {
  const io = memoryIO(cwd);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

/** Every file under a folder with its sha256, for "exactly as it was". */
function snapshot(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    const abs = path.join(dir, f);
    if (statSync(abs).isDirectory()) Object.assign(out, snapshot(abs, `${prefix}${f}/`));
    else out[`${prefix}${f}`] = createHash('sha256').update(readFileSync(abs)).digest('hex');
  }
  return out;
}

const kerasDir = path.join(dataDir, 'models/jet_mlp_3layer');

/** A user's model folder as an hls4ml user has it: architecture, weights, config, inputs, notes. */
function userFolder(root: string): { dir: string; json: string; h5: string; cfg: string; x: string } {
  const dir = path.join(root, 'my_model');
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'KERAS_3layer.json');
  const h5 = path.join(dir, 'KERAS_3layer_weights.h5');
  copyFileSync(path.join(kerasDir, 'KERAS_3layer.json'), json);
  copyFileSync(path.join(kerasDir, 'KERAS_3layer_weights.h5'), h5);
  const cfg = path.join(dir, 'config.yml');
  // hls4ml configs often name the model's own folder as OutputDir.
  writeFileSync(cfg, `OutputDir: ${dir}\nProjectName: myproject\nIOType: io_parallel\n`);
  writeFileSync(path.join(dir, 'notes.txt'), 'my notes\n');
  const x = path.join(dir, 'X.npy');
  copyFileSync(path.join(dataDir, 'reference/hls4ml/jet_mlp_3layer_model_stable/X.npy'), x);
  return { dir, json, h5, cfg, x };
}

describe('nothing a user owns is lost', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-safe-e2e-'));

  it('compile refuses an output folder that is or holds an input, with or without --force', async () => {
    const u = userFolder(tmp);
    const before = snapshot(u.dir);
    for (const extra of [[], ['--force']]) {
      // OutputDir of the config is the model's folder.
      const a = await cli(tmp, 'compile', u.json, '-w', u.h5, '-c', u.cfg, ...extra);
      expect(a.code, a.err).toBe(2);
      expect(a.err).toContain('FML5820');
      expect(a.err).toContain('is the folder of the model');
      // -o naming the folder that contains the model's folder.
      const b = await cli(tmp, 'compile', u.json, '-w', u.h5, '-o', tmp, ...extra);
      expect(b.code).toBe(2);
      expect(b.err).toMatch(/contains the model .*KERAS_3layer\.json/);
      // The input data and the calibration count as inputs too.
      const dataDir2 = path.join(tmp, 'inputs');
      mkdirSync(dataDir2, { recursive: true });
      copyFileSync(u.x, path.join(dataDir2, 'X.npy'));
      const c = await cli(tmp, 'compile', u.json, '-w', u.h5, '-i', path.join(dataDir2, 'X.npy'), '-o', dataDir2, ...extra);
      expect(c.code).toBe(2);
      expect(c.err).toContain('the --input');
      expect(a.out + b.out + c.out).toBe('');
    }
    expect(snapshot(u.dir)).toEqual(before);
  });

  it('--force never replaces a folder fastml did not write; it replaces a fastml project', async () => {
    const mine = path.join(tmp, 'mine');
    mkdirSync(mine);
    writeFileSync(path.join(mine, 'thesis.tex'), 'years of work');
    const jet = path.join(projectRoot, 'models/jet_tagger.onnx');
    const r = await cli(tmp, 'compile', jet, '-o', mine, '--force');
    expect(r.code).toBe(2);
    expect(r.err).toContain('FML5821');
    expect(r.err).toContain('not written by fastml');
    expect(readdirSync(mine)).toEqual(['thesis.tex']);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);

    const prj = path.join(tmp, 'prj');
    expect((await cli(tmp, 'compile', jet, '-o', prj)).code).toBe(0);
    const again = await cli(tmp, 'compile', jet, '-o', prj);
    expect(again.code).toBe(2);
    expect(again.err).toContain('--force');
    writeFileSync(path.join(prj, 'stale.txt'), 'left by a previous build');
    const forced = await cli(tmp, 'compile', jet, '-o', prj, '--force', '--io', 'stream');
    expect(forced.code, forced.err).toBe(0);
    expect(existsSync(path.join(prj, 'stale.txt'))).toBe(false);
    expect(readFileSync(path.join(prj, 'firmware/jet_tagger.cpp'), 'utf8')).toContain('DATAFLOW');
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
  });

  it('a project stranded by an interrupted replacement is restored, and the command says so through its own output', async () => {
    const jet = path.join(projectRoot, 'models/jet_tagger.onnx');
    const parent = path.join(tmp, 'stranded');
    mkdirSync(parent);
    const prj = path.join(parent, 'prj');
    expect((await cli(parent, 'compile', jet, '-o', prj)).code).toBe(0);
    const before = snapshot(prj);
    // What a --force run killed between its two renames leaves: the project only at .prj.old-<pid>-*
    // (a dead process id: the kernel hands out none as large).
    const aside = path.join(parent, '.prj.old-4194303-kx-1');
    renameSync(prj, aside);
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      // Without --force the restored project is protected, as before the interrupted run; the note
      // comes first, on the command's stderr, and nothing reaches the process's stderr directly.
      const r = await cli(parent, 'compile', jet, '-o', prj);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^info FML5823: .*prj: .*restored the previous project from \.prj\.old-4194303-kx-1 \(a replacement of it was interrupted\)/m);
      expect(r.err).toContain('FML5801');
      expect(r.out).toBe('');
      expect(stderr).not.toHaveBeenCalled();
      expect(snapshot(prj)).toEqual(before);
      expect(existsSync(aside)).toBe(false);
      // Two leftovers: the newest is restored (an info note, left out with --quiet), the other is
      // kept and named in a warning (printed even with --quiet), once.
      renameSync(prj, aside);
      const older = path.join(parent, '.prj.old-4194303-kx-0');
      mkdirSync(older);
      writeFileSync(path.join(older, 'fastml.lock.json'), '{}');
      const old = new Date(Date.now() - 60_000);
      utimesSync(older, old, old);
      const q = await cli(parent, '--quiet', 'compile', jet, '-o', prj, '--force');
      expect(q.code, q.err).toBe(0);
      expect(q.err).not.toMatch(/^info FML5823/m);
      const kept = q.err.split('\n').filter((l) => l.startsWith('warning FML5823'));
      expect(kept).toHaveLength(1);
      expect(kept[0]).toMatch(/\.prj\.old-4194303-kx-0: a previous project left aside by an interrupted replacement of prj; fastml keeps it/);
      expect(stderr).not.toHaveBeenCalled();
      expect(existsSync(older)).toBe(true);
      expect(existsSync(aside)).toBe(false);
    } finally {
      stderr.mockRestore();
    }
  });

  it('emulate, check and config never overwrite their inputs', async () => {
    const u = userFolder(path.join(tmp, 'files'));
    const before = snapshot(u.dir);
    const e = await cli(tmp, 'emulate', u.json, '-w', u.h5, '-i', u.x, '-o', u.x);
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/--output .*X\.npy: would overwrite the --input/);
    const e2 = await cli(tmp, 'emulate', u.json, '-w', u.h5, '-i', u.x, '-o', u.h5);
    expect(e2.code).toBe(2);
    expect(e2.err).toContain('would overwrite the --weights');
    const tr = await cli(tmp, 'emulate', u.json, '-w', u.h5, '-i', u.x, '-o', path.join(tmp, 'y.npy'), '--trace', u.dir);
    expect(tr.code).toBe(0); // trace files are new names next to the inputs: allowed
    const c = await cli(tmp, 'check', u.json, '-w', u.h5, '-c', u.cfg, '-i', u.x, '--junit', u.cfg);
    expect(c.code).toBe(2);
    expect(c.err).toContain('would overwrite the --config');
    const g = await cli(tmp, 'config', u.json, '--weights', u.h5, '-o', u.json);
    expect(g.code).toBe(2);
    expect(g.err).toContain('would overwrite the model');
    const after = snapshot(u.dir);
    for (const [f, h] of Object.entries(before)) expect(after[f], f).toBe(h);
  });

  it('a compile killed while writing leaves the previous project intact', async () => {
    const bin = path.join(projectRoot, 'bin/fastml.js');
    expect(existsSync(path.join(projectRoot, 'dist/cli/main.js')), 'run `npm run build` first').toBe(true);
    // A model whose weight headers take a while to write (about 4.5 M weights: compile streams them fast).
    const rand = rng(11);
    const dir = path.join(tmp, 'big');
    mkdirSync(dir);
    const model = path.join(dir, 'big.onnx');
    const dims = [128, 2048, 2048, 64];
    const nodes = [];
    const inits = [];
    let prev = 'x';
    for (let k = 0; k + 1 < dims.length; k++) {
      inits.push({ name: `w${k}`, dims: [dims[k + 1]!, dims[k]!], data: normal(rand, dims[k]! * dims[k + 1]!, 0.05) });
      inits.push({ name: `b${k}`, dims: [dims[k + 1]!], data: normal(rand, dims[k + 1]!, 0.05) });
      nodes.push({ op: 'Gemm', name: `fc${k}`, inputs: [prev, `w${k}`, `b${k}`], outputs: [`h${k}`], attrs: { transB: 1 } });
      prev = `h${k}`;
      if (k + 2 < dims.length) {
        nodes.push({ op: 'Relu', name: `relu${k}`, inputs: [prev], outputs: [`r${k}`] });
        prev = `r${k}`;
      }
    }
    writeFileSync(model, encodeModel({ name: 'big', inputs: [{ name: 'x', dims: [1, dims[0]!] }], outputs: [{ name: prev, dims: [1, dims[dims.length - 1]!] }], nodes, initializers: inits, opset: 13 }));
    const out = path.join(tmp, 'big_prj');
    // The previous project (any fastml project: a small one keeps the test short).
    const jet = path.join(projectRoot, 'models/jet_tagger.onnx');
    const first = await cli(tmp, 'compile', jet, '-o', out, '--samples', '2');
    expect(first.code, first.err).toBe(0);
    const before = snapshot(out);
    expect(Object.keys(before)).toContain('fastml.lock.json');

    // Rebuild with other settings, and SIGKILL the process once files are being written into its
    // scratch folder (the firmware is written first; the weight headers take the longest).
    const child = spawn(process.execPath, [bin, 'compile', model, '-o', out, '--force', '--samples', '3', '--strategy', 'resource', '--reuse', '8'], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
    let childErr = '';
    child.stderr!.on('data', (d: Buffer) => (childErr += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let sawScratch = false;
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      const scratch = readdirSync(tmp).find((f) => f.startsWith('.big_prj.tmp-'));
      if (scratch && existsSync(path.join(tmp, scratch, 'firmware'))) {
        sawScratch = true;
        child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await exited;
    expect(sawScratch, `the compile finished before it was seen writing (make the model larger); its stderr: ${childErr}`).toBe(true);
    expect(child.signalCode).toBe('SIGKILL');
    // The previous project is there, every file exactly as it was.
    expect(snapshot(out)).toEqual(before);
    // And the next compile works (the scratch folder of the killed run does not get in the way).
    const next = await cli(tmp, 'compile', jet, '-o', out, '--force', '--samples', '3');
    expect(next.code, next.err).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'fastml.lock.json'), 'utf8')).config.resolved.samples).toBe(3);
  });
});
