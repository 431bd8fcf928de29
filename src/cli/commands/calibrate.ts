/**
 * @fileoverview `fastml calibrate --from SWEEP_DIR [...] [-o FILE] [--truth DIR]`: refits the estimator's
 * constants on the bundled truth data plus the user's collected sweep results, writes a user
 * calibration file (the shipped calibration is never touched) and prints the error on the user's
 * points before and after. `fastml estimate --calibration FILE` uses the file.
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { resolvePath } from '../context.js';
import { DiagnosticError, EXIT, diag } from '../../diagnostics/diagnostic.js';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('calibrate')
    .description('refit the estimator on your own synthesis results (collected sweep folders) added to the bundled truth; writes a user calibration file for estimate --calibration FILE')
    .requiredOption('--from <dirs...>', 'collected sweep folders (fastml sweep collect DIR first)')
    .option('-o, --output <file>', 'user calibration file to write (default fastml-calibration.json; an existing file is replaced only if it is a fastml user calibration)')
    .option('--truth <dir>', 'bundled truth folder (default: FASTML_SHARED_DIR/truth, ../shared/truth beside fastml, or test/fixtures/truth in a clone)')
    .option('--json', 'print the summary as JSON')
    .action(async (f: { from: string[]; output?: string; truth?: string; json?: boolean }) => {
      const { refit, refitText } = await import('../../sweep/calibrate-user.js');
      const { sharedDir } = await import('../../estimate/truth.js');
      const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
      const dirs = await Promise.all(f.from.map((d) => resolvePath(ctx, d)));
      const truth = f.truth ? await resolvePath(ctx, f.truth) : path.join(sharedDir(projectRoot, ctx.io.env), 'truth');
      const out = await resolvePath(ctx, f.output ?? 'fastml-calibration.json');
      if (dirs.length === 0) throw new DiagnosticError([diag('FML9123', '--from needs at least one sweep folder')], EXIT.USAGE);
      const s = await refit(dirs, truth, out);
      ctx.io.out(f.json ? JSON.stringify(s, null, 1) + '\n' : refitText(s));
    });
}
