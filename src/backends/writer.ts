/**
 * @fileoverview Writing a generated project to disk safely.
 *
 * - Every file path is relative, made of plain segments (no `..`, no absolute paths, no drive
 *   letters) and checked to resolve inside the destination, so nothing derived from a model can
 *   escape the output folder.
 * - Where it may write, and how a folder is replaced (only an empty or fastml-written one, only
 *   once the new one is complete), is decided by src/io/safe-write.ts, shared by every command.
 */

import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { InternalError } from '../diagnostics/diagnostic.js';
import { replaceFolder, type Notify } from '../io/safe-write.js';

/** Content produced piece by piece while it is written (large weight arrays): never one string. */
export interface StreamedContent {
  readonly chunks: () => Iterable<string | Uint8Array>;
}

/**
 * Content computed from the SHA-256 (hex) of every file written before it, by path (the lock file,
 * which lists them): the hashes are taken while the files are written, so streamed content is
 * generated once.
 */
export interface HashedContent {
  readonly fromHashes: (hashes: ReadonlyMap<string, string>) => string;
}

export type FileContent = string | Uint8Array | StreamedContent | HashedContent;

/** A generated file: path relative to the project root (forward slashes) and its content. */
export interface ProjectFile {
  readonly path: string;
  readonly content: FileContent;
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

/**
 * Writes `files` into `dest` through src/io/safe-write.ts: a temporary sibling folder renamed into
 * place once complete. `dest` may be missing or empty; a folder fastml wrote (fastml.lock.json) is
 * replaced only with `force`; any other non-empty folder is refused (exit 2).
 */
export function writeProject(dest: string, files: readonly ProjectFile[], force: boolean, flag = '-o', notify?: Notify): void {
  replaceFolder(
    dest,
    force,
    (tmp) => {
      const hashes = new Map<string, string>();
      for (const f of files) {
        const rel = checkRelativePath(f.path);
        if (hashes.has(rel)) throw new InternalError(`generated file "${rel}" written twice`);
        const abs = path.resolve(tmp, rel);
        if (!abs.startsWith(tmp + path.sep)) throw new InternalError(`generated path "${rel}" escapes the project`);
        mkdirSync(path.dirname(abs), { recursive: true });
        hashes.set(rel, writeContent(abs, f.content, f.executable ? 0o755 : 0o644, hashes));
      }
    },
    flag,
    notify,
  );
}

/** Writes one file, returns the SHA-256 (hex) of what was written. */
function writeContent(abs: string, content: FileContent, mode: number, hashes: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  const fd = openSync(abs, 'w', mode);
  try {
    const put = (piece: string | Uint8Array): void => {
      h.update(piece);
      const b = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
      for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
    };
    if (typeof content === 'string' || content instanceof Uint8Array) put(content);
    else if ('chunks' in content) for (const c of content.chunks()) put(c);
    else put(content.fromHashes(hashes));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}
