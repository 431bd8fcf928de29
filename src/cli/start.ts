/**
 * @fileoverview How bin/fastml.js starts the CLI (issue 15: start-up is most of a small compile).
 *
 * The fast path runs one CommonJS bundle of dist/ (dist/cli.bundle.cjs, written at build time by
 * src/tools/bundle-cli.ts) through `vm.Script` with V8 code cache (dist/cli.bundle.cache) that was
 * recorded after a representative compile, so neither the ~170 ES modules' resolution and
 * compilation nor the lazy compilation of the functions a compile calls happens at run time.
 * Node 20 has no compile cache for ES modules (`module.enableCompileCache` is Node 22), which is why
 * the bundle is CommonJS-shaped and run through vm.
 *
 * The plain ESM dist (dist/cli/main.js) runs instead, with the same behaviour, whenever the fast
 * path cannot be trusted: no bundle or cache (a build without the bundling step); another Node or
 * V8 than the one that recorded the cache; V8 rejecting the cache (other V8 flags, e.g.
 * --max-old-space-size); a damaged cache or bundle (size or CRC-32 differs from the manifest's: V8
 * would crash on some); a dist/ file the bundle was made from that has changed since (in a
 * checkout, rebuilt by `tsc` alone; see staleReason); FASTML_CODE_CACHE=0 in the environment; or
 * --debug on the line (its stack traces then name dist/ files and lines rather than the bundle's).
 * Only the loading of the bundle falls back: once main() runs, its errors are the command's own.
 *
 * FASTML_START_TRACE=1 prints one line to stderr saying which path was taken and why (tests and
 * benchmarks use it; nothing is printed otherwise).
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import zlib from 'node:zlib';
import type { CliIO } from './io.js';

/** Files of the fast path, in dist/. */
export const BUNDLE_FILE = 'cli.bundle.cjs';
export const CACHE_FILE = 'cli.bundle.cache';
export const MANIFEST_FILE = 'cli.bundle.json';

/** What the bundling step records beside the bundle, to know when the bundle can be trusted. */
export interface BundleManifest {
  /** process.version and process.versions.v8 and process.arch of the Node that recorded the cache. */
  readonly node: string;
  readonly v8: string;
  readonly arch: string;
  /** Every dist/ file the bundle was made from: path relative to dist/, size in bytes, mtime in ms (after tsc). */
  readonly inputs: ReadonlyArray<readonly [string, number, number]>;
  /** Size of the bundle and of the cache, so a truncated file is caught before V8 sees it. */
  readonly bundleBytes: number;
  readonly cacheBytes: number;
  /**
   * CRC-32 of the cache's bytes then the bundle's (bundleCrc). V8 checks only a cache's header and
   * the source's length (no checksum in release builds): a cache with damaged bytes, or a bundle
   * edited to the same length, would crash Node ("Fatal error ... Check failed") instead of being
   * refused. zlib.crc32 reads both in ~1.5 ms.
   */
  readonly crc32: number;
}

/** CRC-32 of the cache then the bundle, or undefined on a Node without zlib.crc32 (before 20.15). */
export function bundleCrc(cache: Uint8Array, bundle: Uint8Array): number | undefined {
  const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  return crc32 ? crc32(bundle, crc32(cache)) : undefined;
}

type Main = (argv: readonly string[], io?: CliIO) => Promise<number>;

/** The bundle's exports (those of dist/cli/main.js). */
interface BundleExports {
  readonly main: Main;
}

/** The function the bundle's source is wrapped in: CommonJS's parameters plus `__fml_url` and `__fml_import`. */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname, __fml_url, __fml_import) {';
const WRAP_TAIL = '\n})';

export const distDir = (): string => path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The wrapped bundle (its bytes, else read from dist/) compiled with or without cached data (kept for createCachedData). */
export function compileBundle(dist: string, cachedData: Buffer | undefined, bundle?: Buffer): vm.Script {
  const file = path.join(dist, BUNDLE_FILE);
  const source = WRAP_HEAD + (bundle ?? readFileSync(file)).toString('utf8') + WRAP_TAIL;
  return new vm.Script(source, {
    filename: file,
    cachedData,
  });
}

/**
 * Runs the bundle's top level and returns its exports. `import.meta.url` of each bundled module
 * was rewritten to `__fml_url('<path in dist/>')`, so files found beside a module (templates, the
 * workers, package.json) resolve as they do from dist/; `import(spec)` to `__fml_import(spec,
 * '<path in dist/>')`, this module's import() (V8 drops a vm.Script's dynamic-import callback when
 * the script is deserialised from the code cache), resolving as from the module's dist/ file.
 */
export function evaluateBundle(script: vm.Script, dist: string): BundleExports {
  const file = path.join(dist, BUNDLE_FILE);
  const fn = script.runInThisContext() as (...a: unknown[]) => void;
  const module = { exports: {} as Record<string, unknown> };
  const url = (rel: string): string => pathToFileURL(path.join(dist, rel)).href;
  // import() of the bundled modules, from their dist/ file: packages resolve from dist/ as they did.
  const dynamicImport = (spec: string, rel: string): Promise<unknown> => import(/^\.\.?\//.test(spec) ? new URL(spec, url(rel)).href : spec);
  fn(module.exports, createRequire(file), module, file, dist, url, dynamicImport);
  return module.exports as unknown as BundleExports;
}

/** Why the fast path cannot be used, or undefined when it can (before V8 has seen the cache). */
export function staleReason(dist: string, m: BundleManifest): string | undefined {
  if (m.node !== process.version || m.v8 !== process.versions.v8 || m.arch !== process.arch) return `cache recorded by node ${m.node} (v8 ${m.v8}, ${m.arch})`;
  if (statSync(path.join(dist, BUNDLE_FILE)).size !== m.bundleBytes) return `${BUNDLE_FILE} changed size`;
  // In a checkout (tsconfig.json beside dist/), tsc or `tsc --watch` may have rewritten files after
  // the bundle was made: a later mtime than recorded means the bundle is stale (1 ms of slack:
  // copies that keep times round them to the millisecond; a rebuild comes seconds after the
  // bundle). An installed package gets new mtimes from npm and nothing rebuilds its dist/: there
  // only the sizes are compared.
  const checkout = existsSync(path.join(dist, '..', 'tsconfig.json'));
  for (const [rel, size, mtime] of m.inputs) {
    const st = statSync(path.join(dist, rel), { throwIfNoEntry: false });
    if (!st || st.size !== size || (checkout && st.mtimeMs > mtime + 1)) return `dist/${rel} changed since the bundle was made`;
  }
  return undefined;
}

/** The bundle's main() when the fast path holds, else the reason it does not. */
function loadBundle(dist: string): { main: Main } | { reason: string } {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(dist, MANIFEST_FILE), 'utf8')) as BundleManifest;
  } catch {
    return { reason: `no ${MANIFEST_FILE} (build without the bundle)` };
  }
  try {
    const stale = staleReason(dist, manifest);
    if (stale) return { reason: stale };
    const cache = readFileSync(path.join(dist, CACHE_FILE));
    if (cache.length !== manifest.cacheBytes) return { reason: `${CACHE_FILE} changed size` };
    const bundle = readFileSync(path.join(dist, BUNDLE_FILE));
    const crc = bundleCrc(cache, bundle);
    if (crc === undefined) return { reason: 'no zlib.crc32 in this Node to check the cache' };
    if (crc !== manifest.crc32) return { reason: `${CACHE_FILE} or ${BUNDLE_FILE} damaged (CRC-32 differs)` };
    const script = compileBundle(dist, cache, bundle);
    if (script.cachedDataRejected) return { reason: 'V8 rejected the code cache' };
    return { main: evaluateBundle(script, dist).main };
  } catch (e) {
    return { reason: `bundle failed to load: ${(e as Error)?.message ?? String(e)}` };
  }
}

/** Runs `fastml ARGV` the fastest way that is trusted; returns the exit code. */
export async function start(argv: readonly string[]): Promise<number> {
  const env = process.env;
  const dist = distDir();
  // --debug prints stack traces: they name dist/ files and lines, as they always have.
  const fast = env.FASTML_CODE_CACHE === '0' ? { reason: 'FASTML_CODE_CACHE=0' } : argv.includes('--debug') ? { reason: '--debug' } : loadBundle(dist);
  if (env.FASTML_START_TRACE === '1') process.stderr.write('reason' in fast ? `fastml start: esm (${fast.reason})\n` : 'fastml start: bundle with code cache\n');
  const main: Main = 'main' in fast ? fast.main : (await import('./main.js')).main;
  return main(argv);
}
