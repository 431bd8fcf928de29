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
