/**
 * @fileoverview Reading and writing the user's files with diagnostics instead of Node errors: a
 * directory where a file is expected, a missing folder for an output, a name too long for the
 * file system. Outputs are written to a temporary sibling and renamed into place, so an output
 * is either the old file or the complete new one, never half-written.
 */

import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from './safe-write.js';
import { DiagnosticError, diag, EXIT } from '../diagnostics/diagnostic.js';
import { LIMITS } from '../diagnostics/limits.js';
import { removeStaleScratch } from './scratch.js';

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENAMETOOLONG':
      return 'the file name is too long for the file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    default:
      return (e as Error)?.message ?? String(e);
  }
}

/** Reads a user's input file; `code` is the diagnostic code of the calling reader. */
export function readUserFile(file: string, code: string, what = 'file'): Uint8Array {
  if (!existsSync(file)) throw new DiagnosticError([diag(code, `no such ${what}`, { file })], EXIT.USAGE);
  if (statSync(file).isDirectory()) throw new DiagnosticError([diag(code, `the ${what} is a directory, not a file`, { file })], EXIT.USAGE);
  try {
    // A plain Uint8Array over the Buffer's memory, not a copy: a batch of inputs is read once,
    // and a float64 .npy is then a view of these bytes (decodeNpy). Not the Buffer itself, whose
    // slice() is a view where every reader expects Uint8Array's copy.
    const b = readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new DiagnosticError([diag(code, `cannot read the ${what}: ${errnoText(e)}`, { file })], EXIT.USAGE);
  }
}

/**
 * Writes an output file completely or not at all. The folder must exist (a typo in -o must not
 * create folders); the file is written beside its final name and renamed over it.
 */
export function writeUserFile(file: string, data: Uint8Array | string, code = 'FML0030'): void {
  const dir = path.dirname(file);
  if (!existsSync(dir)) throw new DiagnosticError([diag(code, `cannot write the output: the folder ${dir} does not exist`, { file }, 'create the folder first, or give another output path')], EXIT.USAGE);
  if (!statSync(dir).isDirectory()) throw new DiagnosticError([diag(code, `cannot write the output: ${dir} is not a folder`, { file })], EXIT.USAGE);
  if (existsSync(file) && statSync(file).isDirectory()) throw new DiagnosticError([diag(code, 'cannot write the output: a directory has that name', { file })], EXIT.USAGE);
  // One way to write a file: through a scratch sibling and a rename (src/io/safe-write.ts).
  writeFileAtomic(file, data);
}

/**
 * A file-name component made from a layer or project name: characters outside [A-Za-z0-9_.-]
 * become `_`, and a name longer than LIMITS.maxFileNameBytes is cut and given a short hash of the
 * full name, so distinct long names stay distinct and every name fits the file system's 255 bytes.
 */
export function safeFileName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
  if (s.length <= LIMITS.maxFileNameBytes) return s || '_';
  const h = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${s.slice(0, LIMITS.maxFileNameBytes - 11)}_${h}`;
}
