/**
 * @fileoverview The one place that decides whether fastml may write somewhere. Every command that
 * writes (compile's project folder, config -o, emulate --output / --trace, check --junit, and
 * future ones such as report --html or sweep --out) goes through it, so the rules are the same
 * everywhere:
 *
 * - An output never touches an input. An output FOLDER is refused when it is the folder holding an
 *   input, contains an input (at any depth), or lies inside an input that is itself a folder. An
 *   output FILE is refused when it is an input (same file, through symlinks too). With or without
 *   --force: exit 2 (FML5820).
 * - A folder is replaced only when it is empty or fastml wrote it (it has fastml.lock.json), and
 *   only with --force; any other non-empty folder is refused (FML5821), so --force can never delete
 *   a user's own folder.
 * - A folder is replaced only once the new one is complete: it is written to a temporary sibling,
 *   the old one is renamed aside, the new one renamed in, and only then is the old one deleted. A
 *   killed run leaves the previous project in place (plus a `.NAME.tmp-*` scratch folder).
 * - A file is written to a temporary sibling and renamed over the target, so a reader never sees
 *   half of it.
 *
 * Paths are compared after resolving symlinks of their existing part, so `-o ./link-to-models` is
 * caught like `-o models`. (Case-insensitive file systems are compared as they spell the path.)
 */

import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { recoverInterruptedReplacement, removeStaleScratch } from './scratch.js';
import { DiagnosticError, EXIT, diag, type Diagnostic } from '../diagnostics/diagnostic.js';

/** A file or folder the command reads, with the flag that named it (for the message). */
export interface InputRef {
  /** e.g. "model", "--config", "--input", "--calibration". */
  readonly role: string;
  readonly path: string;
}

/** The lock file every fastml-written folder has; its presence is what makes --force allowed. */
export const LOCK_FILE = 'fastml.lock.json';

/** Absolute path with every symlink in its existing prefix resolved (the rest kept as spelled). */
export function canonicalPath(p: string): string {
  let head = path.resolve(p);
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(head), ...tail.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return path.join(head, ...tail.reverse());
      tail.push(path.basename(head));
      head = parent;
    }
  }
}

/** True when `inner` is `outer` or lies below it (both canonical). */
export function isWithin(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Input paths that name a file or folder on disk (generated inputs such as `random:8` are skipped). */
function realInputs(inputs: readonly (InputRef | undefined)[]): InputRef[] {
  return inputs.filter((i): i is InputRef => i !== undefined && existsSync(i.path));
}

function refuse(flag: string, out: string, message: string, hint: string): never {
  throw new DiagnosticError([diag('FML5820', `${flag} ${out}: ${message}`, { file: out }, hint)], EXIT.USAGE);
}

/**
 * Refuses an output folder that is, contains, or lies inside (for folder inputs) an input.
 * `flag` names the output in the message (e.g. "-o", "--trace").
 */
export function checkOutputDir(dir: string, inputs: readonly (InputRef | undefined)[], flag: string): void {
  const out = canonicalPath(dir);
  for (const inp of realInputs(inputs)) {
    const p = canonicalPath(inp.path);
    const folder = isDir(p) ? p : path.dirname(p);
    const hint = 'choose an output folder outside the folders of the inputs (e.g. a new sibling folder); --force never changes this';
    if (out === folder) refuse(flag, dir, `is the folder of the ${inp.role} ${inp.path}`, hint);
    if (isWithin(p, out)) refuse(flag, dir, `contains the ${inp.role} ${inp.path}`, hint);
    if (isDir(p) && isWithin(out, p)) refuse(flag, dir, `lies inside the ${inp.role} folder ${inp.path}`, hint);
  }
}

/** Refuses an output file that is one of the inputs (same path or same file through links). */
export function checkOutputFile(file: string, inputs: readonly (InputRef | undefined)[], flag: string): void {
  const out = canonicalPath(file);
  for (const inp of realInputs(inputs)) {
    const p = canonicalPath(inp.path);
    if (out === p || isWithin(p, out)) refuse(flag, file, `would overwrite the ${inp.role} ${inp.path}`, 'write the output to another file');
  }
}

/** What is at `dir` now, for the replace rule. */
export function folderState(dir: string): 'missing' | 'empty' | 'fastml' | 'other' | 'not-a-folder' {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return 'missing';
  }
  if (!st.isDirectory() && !(st.isSymbolicLink() && isDir(dir))) return 'not-a-folder';
  const entries = readdirSync(dir);
  if (entries.length === 0) return 'empty';
  return existsSync(path.join(dir, LOCK_FILE)) && statSync(path.join(dir, LOCK_FILE)).isFile() ? 'fastml' : 'other';
}

/**
 * May `dir` be (re)written? Missing or empty: yes. A fastml folder: only with --force. Anything
 * else: never (exit 2). Call this before expensive work, and again just before writing.
 */
export function checkReplaceable(dir: string, force: boolean, flag = '-o'): void {
  const state = folderState(dir);
  if (state === 'not-a-folder')
    throw new DiagnosticError([diag('FML5801', `${flag} ${dir}: exists and is not a folder`, { file: dir }, 'choose another output folder')], EXIT.USAGE);
  if (state === 'other')
    throw new DiagnosticError(
      [
        diag(
          'FML5821',
          `${flag} ${dir}: the folder is not empty and was not written by fastml (no ${LOCK_FILE})`,
          { file: dir },
          '--force replaces only empty folders and folders fastml wrote; choose another output folder',
        ),
      ],
      EXIT.USAGE,
    );
  if (state === 'fastml' && !force)
    throw new DiagnosticError([diag('FML5801', `${flag} ${dir}: output folder is not empty (a fastml project)`, { file: dir }, 'choose another folder, or pass --force to replace it')], EXIT.USAGE);
}

function scratchTag(): string {
  return `${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

/** Where a command's notes about its output go: its own io (through reportDiagnostics), never stderr directly. */
export type Notify = (d: Diagnostic) => void;

/**
 * Before `dir` is checked or written: a replacement killed between its two renames left the previous
 * project only aside (`.NAME.old-*`); it is put back, so the rules apply to the folder as the user
 * last had it. What was done goes to `notify` (FML5823): an info note for a restored project, a
 * warning for copies fastml keeps and the user may delete. Returns the same diagnostics.
 */
export function recoverOutputDir(dir: string, notify?: Notify): Diagnostic[] {
  const root = path.resolve(dir);
  const out = recoverInterruptedReplacement(path.dirname(root), path.basename(root)).map((n) =>
    diag('FML5823', n.text, { file: root }, n.restored ? undefined : 'fastml never deletes such a copy itself', n.restored ? 'info' : 'warning'),
  );
  for (const d of out) notify?.(d);
  return out;
}

/**
 * Writes a whole folder: `fill(tmp)` writes the new content into a temporary sibling, which then
 * replaces `dir` (checked with checkReplaceable first). If `fill` throws, the scratch folder is
 * removed and `dir` is untouched. Notes about a restored project (recoverOutputDir) go to `notify`,
 * which commands point at their io; they are also returned.
 */
export function replaceFolder(dir: string, force: boolean, fill: (tmp: string) => void, flag = '-o', notify?: Notify): Diagnostic[] {
  const root = path.resolve(dir);
  const parent = path.dirname(root);
  const notes = recoverOutputDir(root, notify);
  checkReplaceable(root, force, flag);
  mkdirSync(parent, { recursive: true });
  // Scratch that runs killed before their rename left beside this output (never an `.old-` project).
  removeStaleScratch(parent, path.basename(root));
  const tag = scratchTag();
  const tmp = path.join(parent, `.${path.basename(root)}.tmp-${tag}`);
  mkdirSync(tmp);
  try {
    fill(tmp);
    // The folder may have changed while the new one was being written (another run, the user).
    checkReplaceable(root, force, flag);
    if (existsSync(root)) {
      const old = path.join(parent, `.${path.basename(root)}.old-${tag}`);
      renameSync(root, old);
      try {
        renameSync(tmp, root);
      } catch (e) {
        renameSync(old, root);
        throw e;
      }
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, root);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return notes;
}

/** Writes one file through a temporary sibling and a rename (never half-written). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const abs = path.resolve(file);
  if (isDir(abs)) throw new DiagnosticError([diag('FML5822', `${file}: is a folder, not a file`, { file })], EXIT.USAGE);
  const dir = path.dirname(abs);
  if (!isDir(dir)) throw new DiagnosticError([diag('FML5822', `${file}: the folder ${dir} does not exist`, { file }, 'create the folder first')], EXIT.USAGE);
  removeStaleScratch(dir, path.basename(abs).slice(0, 60));
  // The scratch name keeps at most 60 characters of the file's (a long name must not overflow 255 bytes).
  const tmp = path.join(dir, `.${path.basename(abs).slice(0, 60)}.tmp-${scratchTag()}`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, abs);
  } catch (e) {
    rmSync(tmp, { force: true });
    // The file system said no (permissions, full disk, read-only, name too long): the user's to fix.
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new DiagnosticError([diag('FML5822', `cannot write ${file}: ${code}`, { file })], EXIT.USAGE);
    throw e;
  }
}
