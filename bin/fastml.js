#!/usr/bin/env node
// Shim: runs the compiled CLI (npm run build writes dist/) and sets the exit code.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
