/**
 * @fileoverview The list of CLI commands. Each module exports `register(program, ctx)`, which
 * declares the command's options and an action that imports its heavy dependencies lazily (so that
 * `fastml --help` stays fast).
 */

import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export type Register = (program: Command, ctx: CommandContext) => void;

export const COMMANDS: Array<() => Promise<{ register: Register }>> = [
  () => import('./inspect.js'),
  () => import('./estimate.js'),
  () => import('./report.js'),
  () => import('./emulate.js'),
  () => import('./check.js'),
  () => import('./compile.js'),
  () => import('./csim.js'),
  () => import('./config.js'),
  () => import('./serve.js'),
  () => import('./sweep.js'),
  () => import('./calibrate.js'),
];

/**
 * The module that registers each top-level command, so that `fastml NAME ...` loads only that one:
 * the other commands' modules (and what they import) cost more start-up time than a small compile
 * itself. Help, an unknown name or no command loads every module of COMMANDS (a command missing
 * here is only slower to start, never missing).
 */
export const COMMAND_BY_NAME: Readonly<Record<string, () => Promise<{ register: Register }>>> = {
  inspect: () => import('./inspect.js'),
  estimate: () => import('./estimate.js'),
  report: () => import('./report.js'),
  emulate: () => import('./emulate.js'),
  check: () => import('./check.js'),
  compile: () => import('./compile.js'),
  csim: () => import('./csim.js'),
  config: () => import('./config.js'),
  serve: () => import('./serve.js'),
  sweep: () => import('./sweep.js'),
  calibrate: () => import('./calibrate.js'),
};
