/**
 * @fileoverview What `fastml compile` loads (issue 15: start-up is most of a small compile). The
 * built CLI (dist/, like a user runs it) compiles the jet tagger in a child process whose every
 * module load is recorded (ESM through a loader hook, CommonJS through Module._load), and the test
 * fails when a module compile does not need comes back: another command's module, a heavy package
 * (mathjs, vega, gRPC, onnxruntime, h5wasm, puppeteer), onnx-proto/protobufjs (models are read by
 * src/frontends/onnx/wire.ts), fflate (no zip is read), or Handlebars' compiler (the templates are
 * precompiled; only its runtime is needed).
 *
 * Needs a built dist/ (`npm run build`); refuses one older than src/.
 */

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../helpers/data.js';

function newest(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir)) {
    const abs = path.join(dir, f);
    const st = statSync(abs);
    if (st.isDirectory()) t = Math.max(t, newest(abs));
    else if (/\.(ts|json)$/.test(f)) t = Math.max(t, st.mtimeMs);
  }
  return t;
}

describe('fastml compile start-up', () => {
  it('loads only what compiling an ONNX model needs', () => {
    const main = path.join(projectRoot, 'dist/cli/main.js');
    expect(existsSync(main), 'dist/ is missing: run `npm run build`').toBe(true);
    expect(statSync(main).mtimeMs, 'dist/ is older than src/: run `npm run build`').toBeGreaterThanOrEqual(newest(path.join(projectRoot, 'src')) - 1000);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-startup-'));
    const log = path.join(tmp, 'loaded.txt');
    // CommonJS: every resolved require; ESM: every loaded URL (the hook runs on the loader thread).
    const cjsHook = path.join(tmp, 'cjs-hook.cjs');
    writeFileSync(
      cjsHook,
      `const Module = require('node:module');
const fs = require('node:fs');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try { fs.appendFileSync(${JSON.stringify(log)}, 'cjs ' + Module._resolveFilename(request, parent, isMain) + '\\n'); } catch {}
  return load.apply(this, arguments);
};
`,
    );
    const esmHooks = path.join(tmp, 'esm-hooks.mjs');
    writeFileSync(
      esmHooks,
      `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(log)}, 'esm ' + url + '\\n');
  return next(url, context);
}
`,
    );
    const register = path.join(tmp, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(esmHooks).href)});\n`);
    const r = spawnSync(process.execPath, ['--require', cjsHook, '--import', pathToFileURL(register).href, path.join(projectRoot, 'bin/fastml.js'), 'compile', path.join(projectRoot, 'models/jet_tagger.onnx'), '-o', path.join(tmp, 'prj')], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(tmp, 'prj', 'fastml.lock.json'))).toBe(true);
    const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const files = loaded.map((l) => l.replace(/^(cjs|esm) (file:\/\/)?/, ''));
    // The recording works: the command's own module and the Handlebars runtime are seen.
    expect(files.some((f) => f.endsWith('dist/cli/commands/compile.js'))).toBe(true);
    expect(files.some((f) => /node_modules\/handlebars\//.test(f))).toBe(true);
    const packages = new Set(files.map((f) => /node_modules\/((@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter((p): p is string => p !== undefined));
    for (const heavy of ['mathjs', 'vega', 'vega-lite', '@grpc/grpc-js', '@grpc/proto-loader', 'onnxruntime-web', 'h5wasm', 'puppeteer-core', 'onnx-proto', 'protobufjs', 'fflate', 'yaml'])
      expect(packages.has(heavy), `compile loaded ${heavy}`).toBe(false);
    // Handlebars: the runtime build only, not the compiler.
    expect(files.filter((f) => /node_modules\/handlebars\//.test(f) && !f.endsWith('dist/handlebars.runtime.js'))).toEqual([]);
    // No other command's module.
    const commands = files.filter((f) => /dist\/cli\/commands\/[^/]+\.js$/.test(f)).map((f) => path.basename(f));
    expect(commands.sort()).toEqual(['compile.js', 'index.js']);
  });
});
