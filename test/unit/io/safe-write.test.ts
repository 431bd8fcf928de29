/**
 * @fileoverview src/io/safe-write.ts, the rules every writing command shares: an output never is,
 * contains or (for folder inputs) lies inside an input; only empty or fastml-written folders are
 * replaced, only with force, and only once the new content is complete; files are written whole.
 */

import { describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiagnosticError, EXIT, type Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { checkOutputDir, checkOutputFile, checkReplaceable, folderState, replaceFolder, writeFileAtomic } from '../../../src/io/safe-write.js';

function codeOf(f: () => void): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DiagnosticError);
    expect((e as DiagnosticError).exitCode).toBe(EXIT.USAGE);
    return (e as DiagnosticError).diagnostics[0]!.code;
  }
  return undefined;
}

describe('safe-write', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-safe-'));
  const models = path.join(tmp, 'models');
  mkdirSync(path.join(models, 'sub'), { recursive: true });
  const model = path.join(models, 'm.onnx');
  writeFileSync(model, 'model bytes');
  const inputs = [{ role: 'model', path: model }];

  it('refuses an output folder that is, contains or is inside a folder input', () => {
    expect(codeOf(() => checkOutputDir(models, inputs, '-o'))).toBe('FML5820'); // is its folder
    expect(codeOf(() => checkOutputDir(tmp, inputs, '-o'))).toBe('FML5820'); // contains it
    expect(codeOf(() => checkOutputDir(path.join(models, 'sub', '..'), inputs, '-o'))).toBe('FML5820'); // spelled differently
    const dataDir = path.join(tmp, 'data');
    mkdirSync(dataDir);
    expect(codeOf(() => checkOutputDir(path.join(dataDir, 'inner', 'prj'), [{ role: 'report folder', path: dataDir }], '-o'))).toBe('FML5820');
    // A sibling or a new subfolder next to the model is the usual layout and is allowed.
    expect(codeOf(() => checkOutputDir(path.join(tmp, 'prj'), inputs, '-o'))).toBeUndefined();
    expect(codeOf(() => checkOutputDir(path.join(models, 'm_prj'), inputs, '-o'))).toBeUndefined();
    // Generated inputs (no such file) are not paths.
    expect(codeOf(() => checkOutputDir(tmp, [{ role: '--input', path: path.join(tmp, 'random:8') }], '-o'))).toBeUndefined();
  });

  it('sees through symlinks', () => {
    const link = path.join(tmp, 'link-to-models');
    symlinkSync(models, link);
    expect(codeOf(() => checkOutputDir(link, inputs, '-o'))).toBe('FML5820');
    expect(codeOf(() => checkOutputFile(path.join(link, 'm.onnx'), inputs, '--output'))).toBe('FML5820');
  });

  it('refuses an output file that is an input, and names both in the message', () => {
    try {
      checkOutputFile(model, inputs, '--output');
      expect.unreachable();
    } catch (e) {
      expect((e as DiagnosticError).message).toContain('--output');
      expect((e as DiagnosticError).message).toContain('would overwrite the model');
    }
    expect(codeOf(() => checkOutputFile(path.join(models, 'out.npy'), inputs, '--output'))).toBeUndefined();
  });

  it('replaces only empty or fastml folders, and those only with force', () => {
    const user = path.join(tmp, 'user');
    mkdirSync(user);
    writeFileSync(path.join(user, 'notes.txt'), 'mine');
    expect(folderState(user)).toBe('other');
    expect(codeOf(() => checkReplaceable(user, true))).toBe('FML5821');
    expect(codeOf(() => replaceFolder(user, true, (t) => writeFileSync(path.join(t, 'x'), 'x')))).toBe('FML5821');
    expect(readFileSync(path.join(user, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);

    const prj = path.join(tmp, 'prj');
    replaceFolder(prj, false, (t) => writeFileSync(path.join(t, 'fastml.lock.json'), '{}'));
    expect(folderState(prj)).toBe('fastml');
    expect(codeOf(() => checkReplaceable(prj, false))).toBe('FML5801');
    replaceFolder(prj, true, (t) => {
      writeFileSync(path.join(t, 'fastml.lock.json'), '{"v":2}');
      writeFileSync(path.join(t, 'new.txt'), 'n');
    });
    expect(readdirSync(prj).sort()).toEqual(['fastml.lock.json', 'new.txt']);

    const file = path.join(tmp, 'afile');
    writeFileSync(file, 'x');
    expect(codeOf(() => checkReplaceable(file, true))).toBe('FML5801');
  });

  it('leaves the old folder untouched when writing the new one fails', () => {
    const prj = path.join(tmp, 'keep');
    replaceFolder(prj, false, (t) => writeFileSync(path.join(t, 'fastml.lock.json'), 'old'));
    expect(() =>
      replaceFolder(prj, true, (t) => {
        writeFileSync(path.join(t, 'fastml.lock.json'), 'new');
        throw new Error('disk full halfway');
      }),
    ).toThrow('disk full halfway');
    expect(readFileSync(path.join(prj, 'fastml.lock.json'), 'utf8')).toBe('old');
    expect(readdirSync(tmp).filter((f) => f.startsWith('.keep'))).toEqual([]);
  });

  it('restores a project left aside by a replacement killed between its renames, and never removes one', () => {
    const parent = path.join(tmp, 'interrupted');
    mkdirSync(parent);
    // A dead process id: the largest pid the kernel hands out is below 2^22.
    const dead = 4194303;
    const aside = path.join(parent, `.prj.old-${dead}-abc-1`);
    mkdirSync(aside);
    writeFileSync(path.join(aside, 'fastml.lock.json'), '{}');
    writeFileSync(path.join(aside, 'x.cpp'), 'previous');
    // Without --force the restored project is protected, as it was before the interrupted run. The
    // note goes to the caller's notify (the command's io), not to the process's stderr.
    const notes: Diagnostic[] = [];
    const stderr = vi.spyOn(process.stderr, 'write');
    expect(codeOf(() => replaceFolder(path.join(parent, 'prj'), false, () => undefined, '-o', (d) => notes.push(d)))).toBe('FML5801');
    expect(stderr).not.toHaveBeenCalled();
    stderr.mockRestore();
    expect(notes).toEqual([expect.objectContaining({ code: 'FML5823', severity: 'info', message: expect.stringMatching(/restored the previous project from \.prj\.old-4194303-abc-1/) })]);
    expect(readFileSync(path.join(parent, 'prj', 'x.cpp'), 'utf8')).toBe('previous');
    expect(existsSync(aside)).toBe(false);
    // A second leftover while the folder exists is kept (and only named).
    const older = path.join(parent, `.prj.old-${dead}-abd-2`);
    mkdirSync(older);
    writeFileSync(path.join(older, 'fastml.lock.json'), '{}');
    const kept = replaceFolder(path.join(parent, 'prj'), true, (t) => {
      writeFileSync(path.join(t, 'fastml.lock.json'), '{}');
      writeFileSync(path.join(t, 'x.cpp'), 'new');
    });
    expect(kept).toEqual([expect.objectContaining({ code: 'FML5823', severity: 'warning', message: expect.stringMatching(/\.prj\.old-4194303-abd-2: .*fastml keeps it/) })]);
    expect(readFileSync(path.join(parent, 'prj', 'x.cpp'), 'utf8')).toBe('new');
    expect(existsSync(older)).toBe(true);
    // A live process's copy (this one's parent) is never touched.
    const live = path.join(parent, `.other.old-${process.ppid}-abe-3`);
    mkdirSync(live);
    expect(codeOf(() => replaceFolder(path.join(parent, 'other'), false, () => undefined))).toBeUndefined();
    expect(existsSync(live)).toBe(true);
  });

  it('writes files whole, and says clearly when it cannot', () => {
    const f = path.join(tmp, 'out.txt');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, 'two');
    expect(readFileSync(f, 'utf8')).toBe('two');
    expect(readdirSync(tmp).filter((x) => x.startsWith('.out.txt'))).toEqual([]);
    expect(codeOf(() => writeFileAtomic(path.join(tmp, 'missing', 'x.txt'), 'x'))).toBe('FML5822');
    expect(codeOf(() => writeFileAtomic(models, 'x'))).toBe('FML5822');
    expect(existsSync(path.join(tmp, 'missing'))).toBe(false);
  });
});
