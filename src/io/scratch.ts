/**
 * @fileoverview Scratch files and folders that fastml writes beside an output before renaming it
 * into place (`.<name>.tmp-<pid>-<tag>` for projects, `.<name>.fastml-tmp-<pid>` for files). A
 * run killed in between (SIGKILL, power loss) cannot clean up after itself, so every run that
 * writes an output first removes the scratch entries for that output left by processes that no
 * longer exist. Only scratch entries are touched: a project moved aside during a replacement
 * (`.old-`) is the user's previous project and is never removed here; when the run died before
 * the new project took its place, the next run renames it back.
 */

import { readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Removes `<parent>/.<base>.tmp-<pid>-*` and `.<base>.fastml-tmp-<pid>` left by dead processes. */
export function removeStaleScratch(parent: string, base: string): void {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  const re = new RegExp(`^\\.${escape(base.slice(0, 60))}\\.(?:tmp-(\\d+)-[0-9a-z-]+|fastml-tmp-(\\d+))$`);
  for (const e of entries) {
    const m = re.exec(e);
    if (!m) continue;
    const pid = Number(m[1] ?? m[2]);
    if (pid === process.pid || alive(pid)) continue;
    rmSync(path.join(parent, e), { recursive: true, force: true });
  }
}

/**
 * Projects that a replacement moved aside (`.<base>.old-<pid>-<tag>`) and whose process died before
 * it finished: newest first. Between its two renames a killed `--force` run leaves the previous
 * project only there, so the next run restores it (see recoverInterruptedReplacement).
 */
export function interruptedReplacements(parent: string, base: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return [];
  }
  const re = new RegExp(`^\\.${escape(base)}\\.old-(\\d+)-[0-9a-z-]+$`);
  const found: { p: string; t: number }[] = [];
  for (const e of entries) {
    const m = re.exec(e);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    const p = path.join(parent, e);
    found.push({ p, t: statSync(p).mtimeMs });
  }
  return found.sort((a, b) => b.t - a.t).map((f) => f.p);
}

/**
 * Before `<parent>/<base>` is written: when it is missing and an interrupted replacement left the
 * previous project aside, that project is renamed back, so the user finds the folder as it was
 * before the interrupted run (and replacing it again needs --force, as it did then). Copies that
 * cannot be restored (the folder exists again, or older ones) are never removed: they are named in
 * the returned notes for the user to delete.
 */
export function recoverInterruptedReplacement(parent: string, base: string): { readonly text: string; readonly restored: boolean }[] {
  const left = interruptedReplacements(parent, base);
  if (left.length === 0) return [];
  const root = path.join(parent, base);
  const notes: { text: string; restored: boolean }[] = [];
  let rest = left;
  let exists = true;
  try {
    statSync(root);
  } catch {
    exists = false;
  }
  if (!exists) {
    renameSync(left[0]!, root);
    notes.push({ text: `${root}: restored the previous project from ${path.basename(left[0]!)} (a replacement of it was interrupted)`, restored: true });
    rest = left.slice(1);
  }
  for (const p of rest) notes.push({ text: `${p}: a previous project left aside by an interrupted replacement of ${base}; fastml keeps it, delete it when not needed`, restored: false });
  return notes;
}
