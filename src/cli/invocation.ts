/**
 * @fileoverview How the user ran fastml, so that printed next steps ("Next: fastml csim DIR") can
 * be pasted back into the same shell:
 *
 * - through npx / npm exec (npm sets npm_command=exec): `npx fastml` (`pnpm exec fastml`,
 *   `yarn fastml` for those clients, from npm_config_user_agent);
 * - through a bin link in node_modules/.bin (an npm script, a local install): `npx fastml`, since
 *   that folder is not on the user's PATH;
 * - through a bin link elsewhere (npm install -g, npm link): `fastml`;
 * - as `node path/to/bin/fastml.js`: `node path/to/bin/fastml.js` (relative to the working folder);
 * - otherwise: `fastml`.
 */

import path from 'node:path';

export function invocation(env: Readonly<Record<string, string | undefined>>, argv1: string | undefined, cwd: string): string {
  const agent = env['npm_config_user_agent'] ?? '';
  const viaExec = env['npm_command'] === 'exec';
  if (viaExec || (argv1 !== undefined && /[\\/]node_modules[\\/]\.bin[\\/]/.test(argv1))) {
    if (agent.startsWith('pnpm/')) return 'pnpm exec fastml';
    if (agent.startsWith('yarn/')) return 'yarn fastml';
    return 'npx fastml';
  }
  if (argv1 === undefined) return 'fastml';
  const base = path.basename(argv1).toLowerCase();
  if (base === 'fastml' || base === 'fastml.cmd' || base === 'fastml.ps1') return 'fastml';
  if (base === 'fastml.js') {
    const rel = path.relative(cwd, argv1);
    const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : argv1;
    return `node ${/\s/.test(shown) ? JSON.stringify(shown) : shown}`;
  }
  return 'fastml';
}
