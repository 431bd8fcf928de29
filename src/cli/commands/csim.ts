/**
 * @fileoverview `fastml csim DIR`: C-simulates a generated project with g++ and checks it against
 * the emulator's outputs (exit 1 on any mismatch).
 */

import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { resolvePath } from '../context.js';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('csim')
    .description('build a project\'s test bench with g++ (no vendor tools) and compare the C simulation with the emulator, bit for bit')
    .argument('<dir>', 'project folder written by fastml compile')
    .option('--cxx <compiler>', 'C++ compiler', 'g++')
    .option('--cxxflags <flags>', 'compiler flags (default: -std=c++11 -O1 -Wall -Wno-unknown-pragmas -Wno-unused-label)')
    .action(async (dir: string, opts: { cxx?: string; cxxflags?: string }) => {
      const { reportCsim } = await import('../../backends/csim-run.js');
      ctx.setExitCode(await reportCsim(ctx, { dir: await resolvePath(ctx, dir), ...opts }));
    });
}
