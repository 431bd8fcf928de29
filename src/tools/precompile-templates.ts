/**
 * @fileoverview Build step: precompiles the Handlebars templates into
 * dist/backends/templates.precompiled.json (see src/backends/templates.ts), so that `fastml
 * compile` does not compile them on every run. Run by `npm run build` after tsc.
 */

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PRECOMPILED_FILE, precompileAll } from '../backends/templates.js';

const out = fileURLToPath(new URL(`../backends/${PRECOMPILED_FILE}`, import.meta.url));
const specs = precompileAll();
writeFileSync(out, JSON.stringify(specs) + '\n');
process.stdout.write(`precompiled ${Object.keys(specs).length} templates into ${out}\n`);
