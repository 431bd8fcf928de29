/**
 * @fileoverview Scratch files and folders that fastml writes beside an output before renaming it
 * into place (`.<name>.tmp-<pid>-<tag>` for projects, `.<name>.fastml-tmp-<pid>` for files). A
 * run killed in between (SIGKILL, power loss) cannot clean up after itself, so every run that
 * writes an output first removes the scratch entries for that output left by processes that no
 * longer exist. Only scratch entries are touched: a project moved aside during a replacement
 * (`.old-`) is the user's previous project and is never removed here.
 */

import { readdirSync, rmSync } from 'node:fs';
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
