/**
 * @fileoverview The project writer: unsafe relative paths are refused, a non-empty destination is
 * refused without force, a forced rewrite replaces a fastml folder as a whole and never a user's folder.
 */

import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRelativePath, writeProject } from '../../../src/backends/writer.js';
import { DiagnosticError, InternalError } from '../../../src/diagnostics/diagnostic.js';

describe('writeProject', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-writer-'));

  it('refuses paths that could leave the project', () => {
    for (const p of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'C:/x', 'a\\b', '', 'a/./b'])
      expect(() => checkRelativePath(p), p).toThrow(InternalError);
    expect(checkRelativePath('firmware/weights/L2_fc1.h')).toBe('firmware/weights/L2_fc1.h');
    const dest = path.join(tmp, 'bad');
    expect(() => writeProject(dest, [{ path: '../escape.txt', content: 'x' }], false)).toThrow(InternalError);
    expect(existsSync(path.join(tmp, 'escape.txt'))).toBe(false);
    expect(existsSync(dest)).toBe(false);
    // No temporary folder is left behind.
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('writes, refuses a non-empty folder, and replaces it with force', () => {
    const dest = path.join(tmp, 'p', 'prj');
    writeProject(dest, [{ path: 'a/b.txt', content: 'one' }], false);
    expect(readFileSync(path.join(dest, 'a/b.txt'), 'utf8')).toBe('one');
    try {
      writeProject(dest, [{ path: 'c.txt', content: 'two' }], false);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DiagnosticError);
      expect((e as DiagnosticError).diagnostics[0]!.code).toBe('FML5821');
    }
    // --force never replaces a folder fastml did not write.
    writeFileSync(path.join(dest, 'stale.txt'), 'old');
    expect(() => writeProject(dest, [{ path: 'c.txt', content: 'two' }], true)).toThrow(/not written by fastml/);
    expect(readFileSync(path.join(dest, 'stale.txt'), 'utf8')).toBe('old');
    writeFileSync(path.join(dest, 'fastml.lock.json'), '{}');
    writeProject(dest, [{ path: 'c.txt', content: 'two' }], true);
    expect(readdirSync(dest).sort()).toEqual(['c.txt']);
    expect(readdirSync(path.dirname(dest))).toEqual(['prj']);
  });

  it('accepts an existing empty folder', () => {
    const dest = path.join(tmp, 'empty');
    mkdirSync(dest);
    writeProject(dest, [{ path: 'x.txt', content: 'x' }], false);
    expect(readFileSync(path.join(dest, 'x.txt'), 'utf8')).toBe('x');
  });
});
