/**
 * @fileoverview What `fastml compile` loads (issue 15: start-up is most of a small compile). The
 * built CLI (dist/, like a user runs it) compiles the jet tagger in a child process whose every
 * module load is recorded (ESM through a loader hook, CommonJS through Module._load), and the test
 * fails when a module compile does not need comes back: another command's module, a heavy package
 * (mathjs, vega, gRPC, onnxruntime, h5wasm, puppeteer), onnx-proto/protobufjs (models are read by
 * src/frontends/onnx/wire.ts), fflate (no zip is read), or Handlebars' compiler (the templates are
 * precompiled; only its runtime is needed).
 *
 * The same process through the fast path (src/cli/start.ts: the bundle of dist/ run with V8 code
 * cache): it is taken when the cache is valid, the plain ESM dist is taken when it is not (corrupt,
 * truncated or rejected cache, a dist/ file changed after bundling, FASTML_CODE_CACHE=0), and both
 * give the same exit code, stdout, stderr and project bytes.
 *
 * Needs a built dist/ (`npm run build`; `npm test` builds the bundle too); refuses one older than src/.
 */

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dataDir, projectRoot } from '../helpers/data.js';
import { expectBuiltDist } from '../helpers/dist.js';

describe('fastml compile start-up', () => {
  it('loads only what compiling an ONNX model needs', () => {
    const main = expectBuiltDist();
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-startup-'));
    const log = path.join(tmp, 'loaded.txt');
    // CommonJS: every resolved require; ESM: every loaded URL (the hook runs on the loader thread).
    const cjsHook = requireRecorder(tmp, log, 'cjs ');
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
      // The ESM dist, whose modules the hooks see one by one (the bundle's path is checked below).
      env: { ...process.env, FASTML_CODE_CACHE: '0' },
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

  it('the bundle path loads only the packages compile needs', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-startup-bundle-'));
    const log = path.join(tmp, 'loaded.txt');
    const cjsHook = requireRecorder(tmp, log, '');
    const r = run(projectRoot, ['--require', cjsHook], ['compile', path.join(projectRoot, 'models/jet_tagger.onnx'), '-o', path.join(tmp, 'prj')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('fastml start: bundle with code cache');
    const files = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const packages = new Set(files.map((f) => /node_modules\/((@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter((p): p is string => p !== undefined));
    // commander and the Handlebars runtime are inside the bundle: nothing is required from node_modules.
    expect([...packages]).toEqual([]);
    // Nor node:child_process (commander's, for executable subcommands fastml has none of).
    expect(files).not.toContain('node:child_process');
    expect(files).toContain('node:crypto'); // the recording works
  });
});

/**
 * A --require hook (written into `tmp`) that appends every resolved require of the process to
 * `log`, one a line after `prefix`; returns its path.
 */
function requireRecorder(tmp: string, log: string, prefix: string): string {
  const hook = path.join(tmp, 'cjs-hook.cjs');
  writeFileSync(
    hook,
    `const Module = require('node:module');
const fs = require('node:fs');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try { fs.appendFileSync(${JSON.stringify(log)}, ${JSON.stringify(prefix)} + Module._resolveFilename(request, parent, isMain) + '\\n'); } catch {}
  return load.apply(this, arguments);
};
`,
  );
  return hook;
}

/** Runs bin/fastml.js of the package in `root` with FASTML_START_TRACE=1; cwd is `cwd`. */
function run(root: string, nodeFlags: string[], argv: string[], env: Record<string, string> = {}, cwd = root) {
  return spawnSync(process.execPath, [...nodeFlags, path.join(root, 'bin/fastml.js'), ...argv], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, FASTML_START_TRACE: '1', ...env },
  });
}

/** Every file under a folder, relative path -> bytes. */
function tree(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, f.name);
    if (f.isDirectory()) tree(abs, base, out);
    else out.set(path.relative(base, abs), readFileSync(abs).toString('base64'));
  }
  return out;
}

/**
 * A copy of the package (bin/, dist/ with its mtimes, package.json, templates/, models/;
 * node_modules linked) to break; with tsconfig.json, it is a checkout (dist/ can be rebuilt by tsc).
 */
function packageCopy(checkout: boolean): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fml-startup-pkg-'));
  for (const d of ['bin', 'dist', 'templates', 'models']) cpSync(path.join(projectRoot, d), path.join(root, d), { recursive: true, preserveTimestamps: true });
  for (const f of checkout ? ['package.json', 'tsconfig.json'] : ['package.json']) cpSync(path.join(projectRoot, f), path.join(root, f));
  symlinkSync(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return root;
}

const TRACE = /^fastml start: .*\n/;

describe('fastml start-up through the bundle and its code cache', () => {
  const dist = path.join(projectRoot, 'dist');
  const jet = path.join(projectRoot, 'models/jet_tagger.onnx');

  /** The same command both ways, in two fresh folders; returns both results and the two folders. */
  function both(root: string, argv: string[], fastEnv: Record<string, string> = {}, nodeFlags: string[] = []) {
    const [a, b] = [mkdtempSync(path.join(os.tmpdir(), 'fml-startup-esm-')), mkdtempSync(path.join(os.tmpdir(), 'fml-startup-fast-'))];
    const esm = run(root, [], argv, { FASTML_CODE_CACHE: '0' }, a);
    const fast = run(root, nodeFlags, argv, fastEnv, b);
    return { esm, fast, a, b };
  }

  function expectSame(r: ReturnType<typeof both>): void {
    expect(r.esm.stderr).toMatch(/^fastml start: esm \(FASTML_CODE_CACHE=0\)\n/);
    expect(r.fast.status).toBe(r.esm.status);
    // Messages name the file by its absolute path: each run's folder is written as <cwd>.
    const text = (s: string, cwd: string) => s.replace(TRACE, '').replaceAll(cwd, '<cwd>');
    expect(text(r.fast.stdout, r.b)).toBe(text(r.esm.stdout, r.a));
    expect(text(r.fast.stderr, r.b)).toBe(text(r.esm.stderr, r.a));
    expect(tree(r.b)).toEqual(tree(r.a));
  }

  it('is built: bundle, cache and manifest in dist/, fresh', () => {
    for (const f of ['cli.bundle.cjs', 'cli.bundle.cache', 'cli.bundle.json']) expect(existsSync(path.join(dist, f)), `dist/${f} is missing: run \`npm run build\``).toBe(true);
    expect(statSync(path.join(dist, 'cli.bundle.json')).mtimeMs, 'the bundle is older than dist/cli/main.js: run `npm run build`').toBeGreaterThanOrEqual(statSync(path.join(dist, 'cli/main.js')).mtimeMs);
  });

  it('takes the cached path when the cache is valid, with the same output as the ESM dist', () => {
    const r = both(projectRoot, ['compile', jet, '--target', 'alveo', '-o', 'prj']);
    expect(r.fast.stderr).toMatch(/^fastml start: bundle with code cache\n/);
    expect(r.esm.status).toBe(0);
    expect(existsSync(path.join(r.b, 'prj', 'fastml.lock.json'))).toBe(true);
    expectSame(r);
    // --version (reads package.json beside dist/), help, a usage error, an input error naming the file.
    // config's YAML, estimate's node:fs and check's onnxruntime-web (an ES module only) are
    // import()s: they go through the loader's import().
    const version = (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
    for (const v of ['--version', '-V']) expect(run(projectRoot, [], [v]).stdout).toBe(version + '\n');
    for (const argv of [['--version'], ['--help'], ['compile', '--help'], ['compile', jet, '--bogus'], ['compile', 'missing.onnx', '-o', 'x'], ['nosuchcommand'], ['config', jet, '--granularity', 'name'], ['estimate', jet, '--json'], ['check', jet, '-i', 'random:16', '--json']]) {
      const s = both(projectRoot, argv);
      expect(s.fast.stderr, argv.join(' ')).toMatch(/^fastml start: bundle with code cache\n/);
      expectSame(s);
    }
  });

  it('writes the same projects as the ESM dist for Keras (.json + .h5, .keras), QKeras, QONNX, convolution and GRU models', () => {
    const m = (...p: string[]) => path.join(dataDir, 'models', ...p);
    const cases = [
      ['compile', m('qkeras_jet_mlp_3layer/qkeras_3layer.json'), '--weights', m('qkeras_jet_mlp_3layer/qkeras_3layer_weights.h5'), '-o', 'prj'],
      ['compile', m('qkeras_jet_mlp_3layer/qkeras-v3_3layer.keras'), '-o', 'prj'],
      ['compile', m('qonnx_jet_mlp_3layer/qkeras_jettagging.onnx'), '-o', 'prj', '--strategy', 'resource', '--reuse', 'nearest:4'],
      ['compile', m('conv2d_small/conv2d_small_keras.onnx'), '-o', 'prj', '--io', 'stream'],
      ['compile', m('gru_small/gru_small.json'), '--weights', m('gru_small/gru_small_weights.h5'), '-o', 'prj'],
    ];
    for (const argv of cases) {
      const r = both(projectRoot, argv);
      expect(r.fast.stderr, argv[1]).toMatch(/^fastml start: bundle with code cache\n/);
      expect(r.esm.status, `${argv[1]}: ${r.esm.stderr}`).toBe(0);
      expect(existsSync(path.join(r.b, 'prj', 'fastml.lock.json'))).toBe(true);
      expectSame(r);
    }
  });

  it('runs the ESM dist under --debug, so stack traces name dist/ files as before', () => {
    const r = run(projectRoot, [], ['--debug', 'compile', 'missing.onnx', '-o', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^fastml start: esm \(--debug\)\n/);
    expect(r.stderr).toMatch(/at \w+ \(file:\/\/.*\/dist\/[\w/-]+\.js:\d+:\d+\)/);
  });

  it('falls back to the ESM dist, with the same output, when V8 rejects the cache (other V8 flags)', () => {
    const r = both(projectRoot, ['compile', jet, '-o', 'prj'], {}, ['--no-opt']);
    expect(r.fast.stderr).toMatch(/^fastml start: esm \(V8 rejected the code cache\)\n/);
    expect(r.fast.status).toBe(0);
    expectSame(r);
  });

  it('falls back when the cache is damaged or truncated, the bundle edited, or dist/ changed after bundling', () => {
    const root = packageCopy(true);
    const cacheFile = path.join(root, 'dist/cli.bundle.cache');
    const good = readFileSync(cacheFile);
    // The copy itself takes the fast path (mtimes preserved, node_modules through the link).
    expect(run(root, [], ['--version']).stderr).toMatch(/^fastml start: bundle with code cache\n/);
    // Damaged, same size: bytes in the middle of the payload (V8 checks only the header: it would
    // abort Node), then V8's header itself.
    for (const [from, to] of [[good.length >> 1, (good.length >> 1) + 64], [0, 32]] as const) {
      const bad = Buffer.from(good);
      for (let i = from; i < to; i++) bad[i]! ^= 0x5a;
      writeFileSync(cacheFile, bad);
      const d = both(root, ['compile', jet, '-o', 'prj']);
      expect(d.fast.stderr).toMatch(/^fastml start: esm \(cli\.bundle\.cache or cli\.bundle\.cjs damaged \(CRC-32 differs\)\)\n/);
      expect(d.fast.status).toBe(0);
      expectSame(d);
    }
    // The bundle edited to the same length (V8 compares only the source's length with the cache's).
    const bundleFile = path.join(root, 'dist/cli.bundle.cjs');
    const source = readFileSync(bundleFile, 'utf8');
    const t = statSync(bundleFile);
    writeFileSync(bundleFile, source.replace('fastml', 'FASTML'));
    utimesSync(bundleFile, t.atime, t.mtime);
    expect(run(root, [], ['--version']).stderr).toMatch(/^fastml start: esm \(cli\.bundle\.cache or cli\.bundle\.cjs damaged/);
    writeFileSync(bundleFile, source);
    utimesSync(bundleFile, t.atime, t.mtime);
    // Truncated: refused before V8 sees it.
    writeFileSync(cacheFile, good.subarray(0, good.length >> 1));
    let r = both(root, ['compile', jet, '-o', 'prj']);
    expect(r.fast.stderr).toMatch(/^fastml start: esm \(cli\.bundle\.cache changed size\)\n/);
    expectSame(r);
    // Restored: fast again. Then a dist/ module rebuilt after the bundle (tsc alone): the bundle is stale.
    writeFileSync(cacheFile, good);
    expect(run(root, [], ['--version']).stderr).toMatch(/^fastml start: bundle with code cache\n/);
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, 'dist/cli/commands/compile.js'), later, later);
    r = both(root, ['compile', jet, '-o', 'prj']);
    expect(r.fast.stderr).toMatch(/^fastml start: esm \(dist\/cli\/commands\/compile\.js changed since the bundle was made\)\n/);
    expectSame(r);
    // No bundle at all (a build without it): the ESM dist, and the same output.
    mkdirSync(path.join(root, 'gone'));
    cpSync(path.join(root, 'dist/cli.bundle.json'), path.join(root, 'gone/cli.bundle.json'));
    writeFileSync(path.join(root, 'dist/cli.bundle.json'), '');
    r = both(root, ['--version']);
    expect(r.fast.stderr).toMatch(/^fastml start: esm \(no cli\.bundle\.json/);
    expectSame(r);
  });

  it('in an installed package (no tsconfig.json) trusts new mtimes but not a changed size', () => {
    const root = packageCopy(false);
    const file = path.join(root, 'dist/cli/commands/compile.js');
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    expect(run(root, [], ['--version']).stderr).toMatch(/^fastml start: bundle with code cache\n/);
    writeFileSync(file, readFileSync(file, 'utf8') + '\n// edited\n');
    const r = both(root, ['compile', jet, '-o', 'prj']);
    expect(r.fast.stderr).toMatch(/^fastml start: esm \(dist\/cli\/commands\/compile\.js changed since the bundle was made\)\n/);
    expectSame(r);
  });
});
