/**
 * @fileoverview Runs the vendor command for one design point, in its project folder: the one step every
 * executor shares (local runs it in a child process; Slurm and HTCondor tasks call
 * `fastml sweep run-point DIR INDEX`, which lands here). It records the point's state in
 * fastml_sweep_status.json (running, then done or failed with the exit code) and its output in
 * DIR/logs/<point>.log.
 *
 * The command runs through /bin/sh with the point's settings in the environment, so a site's wrapper
 * (a container, a licence server) can use them: FASTML_SWEEP_DIR, FASTML_POINT_INDEX, FASTML_POINT_NAME,
 * FASTML_POINT_DIR, FASTML_PROJECT, and FASTML_POINT_<AXIS> for each swept axis (STRATEGY, IO, PRECISION,
 * REUSE, PRUNE).
 */

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pointSettings } from './grid.js';
import { pointDir, STATUS_FILE, type PointEntry, type PointStatus, type SweepManifest } from './manifest.js';
import { writeAtomic } from './create.js';

export function pointEnv(sweepDir: string, p: PointEntry): Record<string, string> {
  const dir = pointDir(sweepDir, p);
  let project = '';
  try {
    project = (JSON.parse(readFileSync(path.join(dir, 'fastml.lock.json'), 'utf8')) as { project?: string }).project ?? '';
  } catch {
    // A project without a lock file still runs; the wrapper just lacks the name.
  }
  const env: Record<string, string> = {
    FASTML_SWEEP_DIR: sweepDir,
    FASTML_POINT_INDEX: String(p.index),
    FASTML_POINT_NAME: p.name,
    FASTML_POINT_DIR: dir,
    FASTML_PROJECT: project,
  };
  for (const [k, v] of Object.entries(pointSettings(p))) env[`FASTML_POINT_${k.toUpperCase()}`] = String(v);
  return env;
}

function setStatus(sweepDir: string, p: PointEntry, s: PointStatus): void {
  writeAtomic(path.join(pointDir(sweepDir, p), STATUS_FILE), JSON.stringify(s, null, 1) + '\n');
}

/** Runs the point's vendor command to the end; resolves with its exit code (never rejects). */
export function runPoint(sweepDir: string, m: SweepManifest, p: PointEntry): Promise<number> {
  const dir = pointDir(sweepDir, p);
  const log = path.join(sweepDir, 'logs', `${p.name}.log`);
  const started = new Date().toISOString();
  if (!existsSync(dir)) {
    setStatusSafe(sweepDir, p, { state: 'failed', exitCode: 127, started, finished: started, host: os.hostname(), log });
    return Promise.resolve(127);
  }
  setStatus(sweepDir, p, { state: 'running', started, host: os.hostname(), log });
  const fd = openSync(log, 'w');
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', m.hlsCmd], { cwd: dir, env: { ...process.env, ...pointEnv(sweepDir, p) }, stdio: ['ignore', fd, fd] });
    const finish = (code: number): void => {
      closeSync(fd);
      setStatus(sweepDir, p, { state: code === 0 ? 'done' : 'failed', exitCode: code, started, finished: new Date().toISOString(), host: os.hostname(), log });
      resolve(code);
    };
    child.on('error', () => finish(127));
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

function setStatusSafe(sweepDir: string, p: PointEntry, s: PointStatus): void {
  try {
    setStatus(sweepDir, p, s);
  } catch {
    // The folder is gone: nothing to record into.
  }
}
