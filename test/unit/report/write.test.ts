/**
 * @fileoverview The report's safe write: never an input (also through a symbolic link), never a
 * file fastml did not write, never a directory; an earlier report is replaced atomically.
 */

import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeReport } from '../../../src/report/write.js';
import { DiagnosticError } from '../../../src/diagnostics/diagnostic.js';

const page = (n: number) => `<!DOCTYPE html>\n<html><head><meta name="generator" content="fastml 0.1.0"></head><body>${n}</body></html>\n`;

function code(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DiagnosticError) return `${e.diagnostics[0]!.code} ${e.exitCode}`;
    throw e;
  }
  return 'ok';
}

describe('writeReport', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fml-write-'));

  it('refuses an input, also reached through a link, and leaves it unchanged', () => {
    const input = path.join(dir, 'x.npy');
    writeFileSync(input, 'DATA');
    const link = path.join(dir, 'link.html');
    symlinkSync(input, link);
    expect(code(() => writeReport(input, page(1), [input]))).toBe('FML7030 2');
    expect(code(() => writeReport(link, page(1), [undefined, input]))).toBe('FML7030 2');
    expect(readFileSync(input, 'utf8')).toBe('DATA');
  });

  it('refuses a file fastml did not write and a directory', () => {
    const mine = path.join(dir, 'mine.html');
    writeFileSync(mine, '<html>mine</html>');
    expect(code(() => writeReport(mine, page(1), []))).toBe('FML7031 2');
    expect(readFileSync(mine, 'utf8')).toBe('<html>mine</html>');
    mkdirSync(path.join(dir, 'sub'));
    expect(code(() => writeReport(path.join(dir, 'sub'), page(1), []))).toBe('FML7031 2');
    expect(code(() => writeReport(path.join(dir, 'missing', 'r.html'), page(1), []))).toBe('FML7032 2');
  });

  it('writes a new page and replaces an earlier one, leaving no temporary file', () => {
    const out = path.join(dir, 'r.html');
    expect(code(() => writeReport(out, page(1), []))).toBe('ok');
    expect(code(() => writeReport(out, page(2), []))).toBe('ok');
    expect(readFileSync(out, 'utf8')).toContain('<body>2</body>');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
