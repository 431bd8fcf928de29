/**
 * @fileoverview Writing a generated project to disk safely.
 *
 * - Every file path is relative, made of plain segments (no `..`, no absolute paths, no drive
 *   letters) and checked to resolve inside the destination, so nothing derived from a model can
 *   escape the output folder.
 * - A non-empty destination is refused unless `force` is set.
 * - Files go to a temporary folder next to the destination, which is then renamed into place: a
 *   crash leaves either the old project or the new one, never half of each.
 */

import { removeStaleScratch } from '../io/scratch.js';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DiagnosticError, EXIT, InternalError, diag } from '../diagnostics/diagnostic.js';

/** A generated file: path relative to the project root (forward slashes) and its content. */
export interface ProjectFile {
  readonly path: string;
  readonly content: string | Uint8Array;
  /** Make the file executable (scripts). */
  readonly executable?: boolean;
}

/** Throws InternalError for a path that is not a plain relative path: generated paths must never be unsafe. */
export function checkRelativePath(rel: string): string {
  if (rel.length === 0 || rel.includes('\\') || rel.includes('\0') || path.posix.isAbsolute(rel) || /^[A-Za-z]:/.test(rel))
    throw new InternalError(`unsafe generated path "${rel}"`);
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new InternalError(`unsafe generated path "${rel}"`);
  return parts.join('/');
}

function isNonEmptyDir(p: string): boolean {
  if (!existsSync(p)) return false;
  if (!statSync(p).isDirectory()) return true;
  return readdirSync(p).length > 0;
}

/**
 * Writes `files` into `dest` (atomically, via a sibling temporary folder).
 * Throws DiagnosticError (FML5801) when dest is non-empty and `force` is not set.
 */
export function writeProject(dest: string, files: readonly ProjectFile[], force: boolean): void {
  const root = path.resolve(dest);
  if (existsSync(root) && !statSync(root).isDirectory())
    throw new DiagnosticError([diag('FML5801', 'output path exists and is not a folder', { file: root })], EXIT.USAGE);
  if (isNonEmptyDir(root) && !force)
    throw new DiagnosticError(
      [diag('FML5801', 'output folder is not empty', { file: root }, 'choose another folder with -o, or pass --force to replace it')],
      EXIT.USAGE,
    );
  const parent = path.dirname(root);
  mkdirSync(parent, { recursive: true });
  removeStaleScratch(parent, path.basename(root));
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = path.join(parent, `.${path.basename(root)}.tmp-${tag}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    const seen = new Set<string>();
    for (const f of files) {
      const rel = checkRelativePath(f.path);
      if (seen.has(rel)) throw new InternalError(`generated file "${rel}" written twice`);
      seen.add(rel);
      const abs = path.resolve(tmp, rel);
      if (!abs.startsWith(tmp + path.sep)) throw new InternalError(`generated path "${rel}" escapes the project`);
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, f.content, { mode: f.executable ? 0o755 : 0o644 });
    }
    if (existsSync(root)) {
      const old = path.join(parent, `.${path.basename(root)}.old-${tag}`);
      renameSync(root, old);
      renameSync(tmp, root);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, root);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
