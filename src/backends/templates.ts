/**
 * @fileoverview The template registry: Handlebars templates under templates/<backend>/, with the
 * Vitis backend falling back to the Vivado templates for every file it does not override (the
 * firmware is the same C++; the build scripts differ).
 *
 * Templates are compiled with {noEscape: true, strict: true}: `ap_fixed<16,6>` must reach the C++
 * unescaped, and a field missing from the view model must be an error, not an empty string.
 */

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../diagnostics/diagnostic.js';
import type { Backend } from './view-types.js';
import { PRECOMPILED_SPECS } from './templates-precompiled.js';

type HB = typeof import('handlebars');
const require = createRequire(import.meta.url);

/** The options every template is compiled with (precompiled ones too). */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

/**
 * Templates precompiled at build time (`npm run build` runs dist/tools/precompile-templates.js):
 * template path under templates/ -> the SHA-256 of the source it was compiled from and the
 * compiled specification. Compiling the templates at run time costs ~0.1-0.2 s of every
 * `compile`; a precompiled one is used only while its source is unchanged, so an edited template
 * (or a run from src/, where there is no such file) is compiled as before.
 */
export const PRECOMPILED_FILE = 'templates.precompiled.json';
/**
 * A template's compiled specification: Handlebars' JavaScript source for it (the JSON file, the
 * tests), or a function returning the specification object (templates-precompiled.js: code the
 * bundle's code cache holds already compiled, where source text must be compiled on every run).
 */
type Precompiled = Record<string, { sha256: string; spec: string | (() => object) }>;
let precompiled: Precompiled | undefined;
function precompiledSpecs(): Precompiled {
  if (precompiled) return precompiled;
  if (PRECOMPILED_SPECS) return (precompiled = { ...PRECOMPILED_SPECS });
  const f = fileURLToPath(new URL(`./${PRECOMPILED_FILE}`, import.meta.url));
  try {
    precompiled = existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Precompiled) : {};
  } catch {
    precompiled = {};
  }
  return precompiled;
}

/**
 * The Handlebars runtime alone (no compiler) until a template has to be compiled: the package's
 * single-file build of it (the same version and code as `handlebars/runtime`, which requires a
 * tree of small CommonJS files: ~25 ms of every compile against ~4 ms for the one file).
 */
let runtime: HB | undefined;
let full: HB | undefined;
const hbRuntime = (): HB => (runtime ??= require('handlebars/dist/handlebars.runtime.js') as HB);
const hbFull = (): HB => (full ??= require('handlebars') as HB);

export const sha256Text = (s: string): string => createHash('sha256').update(s).digest('hex');

/** templates/ at the package root (works from src/ under vitest and from dist/ when installed). */
export function templatesRoot(): string {
  return fileURLToPath(new URL('../../templates/', import.meta.url));
}

const FALLBACK: Record<Backend, Backend[]> = { vivado: ['vivado'], vitis: ['vitis', 'vivado'] };

type Render = (view: unknown) => string;

const cache = new Map<string, { hb: HB; compiled: Map<string, Render> }>();

/** A template function for a source file: precompiled when its source is unchanged, else compiled now. */
function templateFn(hb: HB, file: string): Render {
  const src = readFileSync(file, 'utf8');
  const rel = path.relative(templatesRoot(), file).split(path.sep).join('/');
  const pre = precompiledSpecs()[rel];
  // Either way the template runs on `hb` (the backend's environment, which holds its partials):
  // Handlebars' JavaScript for the template, generated at build time or now.
  const spec = pre && pre.sha256 === sha256Text(src) ? pre.spec : String(hbFull().precompile(src, COMPILE_OPTIONS));
  const obj = typeof spec === 'function' ? spec() : (new Function(`return ${spec};`)() as object);
  return hb.template(obj as Parameters<HB['template']>[0]) as Render;
}

function env(backend: Backend): { hb: HB; compiled: Map<string, Render> } {
  let e = cache.get(backend);
  if (e) return e;
  const hb = hbRuntime().create();
  // Partials: the backend's own first, then the ones it inherits.
  for (const b of [...FALLBACK[backend]].reverse()) {
    const dir = path.join(templatesRoot(), b, 'partials');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.hbs')) continue;
      hb.registerPartial(f.slice(0, -4), templateFn(hb, path.join(dir, f)));
    }
  }
  e = { hb, compiled: new Map() };
  cache.set(backend, e);
  return e;
}

/** Which file a template name resolves to for a backend (e.g. 'firmware/project.cpp'). */
export function templatePath(backend: Backend, name: string): string {
  for (const b of FALLBACK[backend]) {
    const p = path.join(templatesRoot(), b, `${name}.hbs`);
    if (existsSync(p)) return p;
  }
  throw new InternalError(`no template "${name}" for backend ${backend}`);
}

export function render(backend: Backend, name: string, view: unknown): string {
  const e = env(backend);
  let fn = e.compiled.get(name);
  if (!fn) {
    fn = templateFn(e.hb, templatePath(backend, name));
    e.compiled.set(name, fn);
  }
  try {
    return fn(view);
  } catch (err) {
    throw new InternalError(`template ${backend}/${name}: ${(err as Error).message}`);
  }
}

/** Every template under templates/<backend>/ precompiled (the build step's output). */
export function precompileAll(): Precompiled {
  const out: Precompiled = {};
  const root = templatesRoot();
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : 1))) {
      const abs = path.join(dir, f.name);
      if (f.isDirectory()) walk(abs);
      else if (f.name.endsWith('.hbs')) {
        const src = readFileSync(abs, 'utf8');
        out[path.relative(root, abs).split(path.sep).join('/')] = { sha256: sha256Text(src), spec: String(hbFull().precompile(src, COMPILE_OPTIONS)) };
      }
    }
  };
  for (const b of ['vivado', 'vitis']) if (existsSync(path.join(root, b))) walk(path.join(root, b));
  return out;
}

/** For tests: use these precompiled specifications (or none) instead of the build's file. */
export function setPrecompiled(p: Precompiled | undefined): void {
  precompiled = p;
  cache.clear();
}
