/**
 * @fileoverview Build step: precompiles the Handlebars templates into
 * dist/backends/templates.precompiled.json and, as code, into dist/backends/templates-precompiled.js
 * (replacing tsc's stand-in; see src/backends/templates.ts), so that `fastml compile` does not
 * compile them on every run, and the CLI bundle made next (bundle-cli.ts) carries them in its code
 * cache. Run by `npm run build` after tsc and before the bundle.
 */

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PRECOMPILED_FILE, precompileAll } from '../backends/templates.js';

const out = fileURLToPath(new URL(`../backends/${PRECOMPILED_FILE}`, import.meta.url));
const specs = precompileAll();
writeFileSync(out, JSON.stringify(specs) + '\n');
// The same specifications as an ES module of functions (Handlebars' precompile output is a
// JavaScript object literal): each returns a fresh object, as `new Function` did.
const code = fileURLToPath(new URL('../backends/templates-precompiled.js', import.meta.url));
const entries = Object.entries(specs).map(([rel, { sha256, spec }]) => `  ${JSON.stringify(rel)}: { sha256: ${JSON.stringify(sha256)}, spec: () => (${spec}) },`);
writeFileSync(
  code,
  `// Written by dist/tools/precompile-templates.js from templates/ (npm run build): the templates precompiled by Handlebars.\nexport const PRECOMPILED_SPECS = {\n${entries.join('\n')}\n};\n`,
);
process.stdout.write(`precompiled ${Object.keys(specs).length} templates into ${out} and ${code}\n`);
