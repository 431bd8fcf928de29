/**
 * @fileoverview Writes the report page without ever harming a user's file: the output may not be
 * one of the command's inputs (model, inputs, config, reports), may only replace an earlier fastml
 * report, and is written to a temporary file in the same folder and renamed into place, so a
 * failed run leaves either the old file or the new one, never half a page.
 *
 * (A shared safe-write helper is being written elsewhere; this one does only what the report needs.)
 */

import { closeSync, existsSync, openSync, readSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';

/** What every page starts with (page.ts): how an earlier report is recognised. */
const MARK = '<meta name="generator" content="fastml ';

function canonical(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    // Not there yet: resolve the folder, which may itself be a link.
    try {
      return path.join(realpathSync(path.dirname(abs)), path.basename(abs));
    } catch {
      return abs;
    }
  }
}

function isFastmlReport(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(2048);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8').includes(MARK);
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses (exit 2) when `out` is an input, a directory, a file fastml did not write, or in a folder
 * that does not exist. Commands call it before their long work, and writeReport again at the end.
 */
export function checkReportPath(out: string, inputs: readonly (string | undefined)[]): string {
  const target = canonical(out);
  for (const i of inputs) {
    if (i && canonical(i) === target)
      throw new DiagnosticError([diag('FML7030', `--html ${out} is also an input of this command: it would be overwritten`, { file: i }, 'write the report to another file, e.g. report.html')], EXIT.USAGE);
  }
  if (existsSync(target)) {
    if (statSync(target).isDirectory()) throw new DiagnosticError([diag('FML7031', 'the --html path is a directory', { file: out }, 'give a file name, e.g. report.html')], EXIT.USAGE);
    if (!isFastmlReport(target))
      throw new DiagnosticError([diag('FML7031', 'the --html file exists and is not a fastml report: it is left alone', { file: out }, 'choose a new file name, or remove the file yourself')], EXIT.USAGE);
  }
  const dir = path.dirname(target);
  if (!existsSync(dir)) throw new DiagnosticError([diag('FML7032', 'the folder of the --html file does not exist', { file: dir })], EXIT.USAGE);
  return target;
}

/** Writes the page atomically (temporary file + rename) after checkReportPath. */
export function writeReport(out: string, html: string, inputs: readonly (string | undefined)[]): void {
  const target = checkReportPath(out, inputs);
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, html, { flag: 'wx' });
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new DiagnosticError([diag('FML7032', `cannot write the report: ${(e as Error).message}`, { file: out })], EXIT.USAGE);
  }
}
