#!/usr/bin/env node
// Shim: starts the compiled CLI (npm run build writes dist/) and sets the exit code. start() runs
// the bundled CLI with V8 code cache when it is valid, else dist/cli/main.js (src/cli/start.ts).
import { start } from '../dist/cli/start.js';

process.exitCode = await start(process.argv.slice(2));
