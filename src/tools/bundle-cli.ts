/**
 * @fileoverview Build step (after tsc and the template precompilation): writes the CLI's fast
 * start-up path that src/cli/start.ts runs, in dist/:
 *   cli.bundle.cjs    dist/cli/main.js and every dist/ module it reaches, plus commander, as one
 *                     CommonJS script (rolldown); each module still initialises when it is first
 *                     imported, as in dist/, so `fastml compile` runs no other command's code;
 *   cli.bundle.cache  V8's code cache for that script, recorded in a separate Node process AFTER it
 *                     compiled the jet tagger twice (defaults, then Resource/RF 16/fixed<16,6> like
 *                     bench/compile), so the functions a compile calls are in it already compiled;
 *   cli.bundle.json   the manifest start.ts checks before trusting the two (Node/V8 version, each
 *                     input file's size and mtime, the two files' sizes and CRC-32). Written last: a build that
 *                     stops half-way leaves no manifest, and the CLI runs the plain ESM dist.
 *
 * Packages other than commander (and the Handlebars runtime's single file) stay out of the bundle
 * and load from node_modules when the module importing them first runs (as from dist/: `fastml
 * compile` never loads mathjs or gRPC); Node built-ins likewise; `import()` goes through the
 * loader's import(). rolldown is a devDependency: without it (an install without dev dependencies)
 * the step removes any previous fast path and the CLI runs the plain ESM dist.
 *
 * Usage: node dist/tools/bundle-cli.js   (run by `npm run build`, `npm ci` through prepare, `npm test`)
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUNDLE_FILE, CACHE_FILE, MANIFEST_FILE, bundleCrc, compileBundle, distDir, type BundleManifest } from '../cli/start.js';

/** Packages bundled in (loaded by every command); every other bare import stays external. */
const BUNDLED_PACKAGES = new Set(['commander']);
/**
 * Single files of other packages bundled in: the Handlebars runtime, which every compile needs
 * (src/backends/templates.ts requires it on first use: ~5-15 ms through Node's CommonJS loader,
 * cached like the rest here).
 */
const HB_RUNTIME = 'handlebars/dist/handlebars.runtime.js';
/**
 * Built-ins commander requires at its top but uses only for executable subcommands, which fastml
 * has none of: loaded on first property access instead (node:child_process costs ~3 ms to load).
 */
const DEFERRED_BUILTINS = new Set(['node:child_process']);
const DEFER = '\0fml-defer:';
/** Prefix of the virtual modules that load an external package when their importer first runs. */
const LAZY = '\0fml-lazy:';

const packageName = (spec: string): string => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);

interface RolldownLike {
  rolldown(options: unknown): Promise<{ write(o: unknown): Promise<{ output: Array<{ type: string; fileName: string; moduleIds?: string[]; modules?: Record<string, unknown> }> }>; close(): Promise<void> }>;
  parseAst(code: string, options: { sourceType: 'module' | 'script' }): unknown;
}

async function loadRolldown(): Promise<RolldownLike | undefined> {
  try {
    const [main, parse] = await Promise.all([import('rolldown'), import('rolldown/parseAst')]);
    return { rolldown: main.rolldown as RolldownLike['rolldown'], parseAst: parse.parseAst as RolldownLike['parseAst'] };
  } catch {
    return undefined;
  }
}

interface ImportExpr {
  readonly start: number;
  readonly end: number;
  readonly source: { readonly type: string; readonly value?: unknown; readonly start: number; readonly end: number };
  readonly options?: unknown;
}

/** Every `import(...)` expression of a program (ESTree, UTF-16 offsets). */
function importExpressions(ast: unknown): ImportExpr[] {
  const out: ImportExpr[] = [];
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const c of n) walk(c);
      return;
    }
    const node = n as Record<string, unknown>;
    if (node.type === 'ImportExpression') out.push(node as unknown as ImportExpr);
    for (const k of Object.keys(node)) if (k !== 'type') walk(node[k]);
  };
  walk(ast);
  return out;
}

/**
 * The module's code with every `import(...)` that rolldown does not bundle (anything but a literal
 * relative path) calling `__fml_import(spec, '<path in dist/>')` instead: V8 loses a vm.Script's
 * dynamic-import callback when the script comes from the code cache ("A dynamic import callback
 * was not specified"), so the loader's own import() runs them, resolving a relative specifier
 * against the module's dist/ file (src/cli/start.ts).
 */
function routeDynamicImports(rd: RolldownLike, code: string, rel: string): string {
  if (!code.includes('import(')) return code;
  const found = importExpressions(rd.parseAst(code, { sourceType: 'module' })).filter((e) => !(e.source.type === 'Literal' && typeof e.source.value === 'string' && e.source.value.startsWith('.')));
  let out = code;
  for (const e of found.sort((a, b) => b.start - a.start)) {
    if (e.options) throw new Error(`dist/${rel}: import() with options is not routed through the loader: extend src/tools/bundle-cli.ts`);
    out = out.slice(0, e.start) + '__fml_import(' + out.slice(e.source.start, e.source.end) + `, ${JSON.stringify(rel)})` + out.slice(e.end);
  }
  return out;
}

/** Writes dist/cli.bundle.cjs; returns the dist/ files it was made from (relative paths). */
async function bundle(rd: RolldownLike, dist: string): Promise<string[]> {
  const build = await rd.rolldown({
    input: path.join(dist, 'cli/main.js'),
    platform: 'node',
    logLevel: 'warn',
    plugins: [
      {
        name: 'fastml-lazy-externals',
        resolveId(source: string, importer: string | undefined, extra: { kind?: string } | undefined) {
          // The virtual module's own require is the real, external one.
          if (importer?.startsWith(LAZY) || importer?.startsWith(DEFER)) return { id: source, external: true };
          if (source.startsWith('.') || path.isAbsolute(source) || source.startsWith('\0')) return null;
          if (BUNDLED_PACKAGES.has(packageName(source)) || source === HB_RUNTIME) return null;
          if (DEFERRED_BUILTINS.has(source) && importer?.includes(`${path.sep}node_modules${path.sep}commander${path.sep}`)) return DEFER + source;
          if (extra?.kind === 'dynamic-import') throw new Error(`import('${source}') from ${importer} was not routed through the loader`);
          return LAZY + source;
        },
        load(id: string) {
          if (id.startsWith(DEFER)) {
            // commander reads only properties (childProcess.spawn) of it: a proxy loads it on the first.
            const spec = JSON.stringify(id.slice(DEFER.length));
            return { code: `let m;\nmodule.exports = new Proxy({}, { get: (_, k) => (m ??= require(${spec}))[k] });\n`, moduleType: 'js' };
          }
          if (!id.startsWith(LAZY)) return null;
          // A CommonJS module whose require runs when the importing module initialises. Every
          // package fastml imports statically has a CommonJS entry (checked by the record run
          // and the tests); ESM-only ones (vega, onnxruntime-web) are reached by import() only.
          return { code: `module.exports = require(${JSON.stringify(id.slice(LAZY.length))});\n`, moduleType: 'js' };
        },
      },
      {
        name: 'fastml-import-meta-url',
        transform(code: string, id: string) {
          if (!id.startsWith(dist + path.sep)) return null;
          const rel = path.relative(dist, id).split(path.sep).join('/');
          let out = routeDynamicImports(rd, code.replaceAll('import.meta.url', `__fml_url(${JSON.stringify(rel)})`), rel);
          // templates.js requires the Handlebars runtime through createRequire (invisible to a
          // bundler): the bundled copy instead, initialised with templates.js (every compile uses it).
          const hbCall = `require('${HB_RUNTIME}')`;
          if (rel === 'backends/templates.js' && out.includes(hbCall)) out = `import * as __fml_hb_runtime from '${HB_RUNTIME}';\n` + out.replace(hbCall, '__fml_hb_runtime.default');
          return out === code ? null : { code: out, map: null };
        },
        renderChunk(code: string) {
          // None may be left (a bundled package's own, say): it would fail when run from the cache.
          const left = importExpressions(rd.parseAst(code, { sourceType: 'script' }));
          if (left.length > 0) throw new Error(`the bundle still has ${code.slice(left[0]!.start, left[0]!.end)}: it would fail when run from the code cache`);
          return null;
        },
      },
    ],
  });
  // keepNames: a function or class renamed to keep the modules' names apart keeps its `name`.
  const out = await build.write({ file: path.join(dist, BUNDLE_FILE), format: 'cjs', codeSplitting: false, sourcemap: false, keepNames: true });
  await build.close();
  const chunk = out.output.find((o) => o.type === 'chunk');
  if (!chunk || out.output.length !== 1) throw new Error(`rolldown wrote ${out.output.map((o) => o.fileName).join(', ')}, expected one ${BUNDLE_FILE}`);
  const ids = chunk.moduleIds ?? Object.keys(chunk.modules ?? {});
  return ids.filter((id) => id.startsWith(dist + path.sep)).map((id) => path.relative(dist, id).split(path.sep).join('/'));
}

/** The child process that runs the bundle on representative compiles and writes the cache. */
const RECORD = `
import { writeFileSync } from 'node:fs';
import { compileBundle, evaluateBundle } from ${JSON.stringify('./cli/start.js')};
const [dist, cacheOut, model, tmp] = process.argv.slice(1);
const script = compileBundle(dist, undefined);
const { main } = evaluateBundle(script, dist);
const io = { out() {}, err(s) { process.stderr.write(s); }, cwd: process.cwd(), isTTY: false, env: {} };
for (const [k, flags] of [[1, []], [2, ['--strategy', 'resource', '--reuse', 'nearest:16', '--precision', 'fixed<16,6>']]]) {
  const code = await main(['compile', model, ...flags, '-o', tmp + '/prj' + k], io);
  if (code !== 0) { process.stderr.write('record compile ' + k + ' exited ' + code + '\\n'); process.exit(1); }
}
writeFileSync(cacheOut, script.createCachedData());
`;

function record(dist: string, cacheOut: string): void {
  const model = path.resolve(dist, '../models/jet_tagger.onnx');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-bundle-record-'));
  try {
    // Same node, no extra V8 flags: the cache must match what bin/fastml.js runs with.
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', RECORD, dist, cacheOut, model, tmp], { cwd: dist, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`recording the code cache failed (exit ${r.status}):\n${r.stderr}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function run(): Promise<void> {
  const dist = distDir();
  const files = [BUNDLE_FILE, CACHE_FILE, MANIFEST_FILE].map((f) => path.join(dist, f));
  // The manifest first: from here until the new one is written, the CLI runs the plain ESM dist.
  for (const f of [files[2]!, files[0]!, files[1]!]) rmSync(f, { force: true });
  const rd = await loadRolldown();
  if (!rd) {
    process.stdout.write('bundle-cli: rolldown is not installed (no devDependencies): fastml runs dist/ as ES modules, without the code cache\n');
    return;
  }
  const t0 = performance.now();
  const inputs = await bundle(rd, dist);
  const cacheTmp = files[1]! + '.tmp';
  let cache: Buffer;
  try {
    record(dist, cacheTmp);
    cache = readFileSync(cacheTmp);
    // The cache must be accepted by this Node as bin/fastml.js runs it, or the fast path is dead weight.
    if (compileBundle(dist, cache).cachedDataRejected) throw new Error('V8 rejected the code cache it has just recorded');
    renameSync(cacheTmp, files[1]!);
  } finally {
    rmSync(cacheTmp, { force: true });
  }
  const crc = bundleCrc(cache, readFileSync(files[0]!));
  if (crc === undefined) {
    process.stdout.write(`bundle-cli: this Node (${process.version}) has no zlib.crc32 to guard the code cache: fastml runs dist/ as ES modules\n`);
    return;
  }
  const manifest: BundleManifest = {
    node: process.version,
    v8: process.versions.v8,
    arch: process.arch,
    inputs: inputs.map((rel) => {
      const st = statSync(path.join(dist, rel));
      return [rel, st.size, st.mtimeMs] as const;
    }),
    bundleBytes: statSync(files[0]!).size,
    cacheBytes: cache.length,
    crc32: crc,
  };
  writeFileSync(files[2]! + '.tmp', JSON.stringify(manifest) + '\n');
  renameSync(files[2]! + '.tmp', files[2]!);
  const kb = (n: number): string => `${Math.round(n / 1024)} KiB`;
  process.stdout.write(`bundle-cli: ${BUNDLE_FILE} (${inputs.length} dist modules, ${kb(manifest.bundleBytes)}) and its code cache (${kb(cache.length)}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

await run();
