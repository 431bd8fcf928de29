/**
 * @fileoverview The template registry: Handlebars templates under templates/<backend>/, with the
 * Vitis backend falling back to the Vivado templates for every file it does not override (the
 * firmware is the same C++; the build scripts differ).
 *
 * Templates are compiled with {noEscape: true, strict: true}: `ap_fixed<16,6>` must reach the C++
 * unescaped, and a field missing from the view model must be an error, not an empty string.
 */

import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../diagnostics/diagnostic.js';
import type { Backend } from './view-types.js';

/** templates/ at the package root (works from src/ under vitest and from dist/ when installed). */
export function templatesRoot(): string {
  return fileURLToPath(new URL('../../templates/', import.meta.url));
}

const FALLBACK: Record<Backend, Backend[]> = { vivado: ['vivado'], vitis: ['vitis', 'vivado'] };

type Render = (view: unknown) => string;

const cache = new Map<string, { hb: typeof Handlebars; compiled: Map<string, Render> }>();

function env(backend: Backend): { hb: typeof Handlebars; compiled: Map<string, Render> } {
  let e = cache.get(backend);
  if (e) return e;
  const hb = Handlebars.create();
  // Partials: the backend's own first, then the ones it inherits.
  for (const b of [...FALLBACK[backend]].reverse()) {
    const dir = path.join(templatesRoot(), b, 'partials');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.hbs')) continue;
      hb.registerPartial(f.slice(0, -4), readFileSync(path.join(dir, f), 'utf8'));
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
    const src = readFileSync(templatePath(backend, name), 'utf8');
    fn = e.hb.compile(src, { noEscape: true, strict: true });
    e.compiled.set(name, fn);
  }
  try {
    return fn(view);
  } catch (err) {
    throw new InternalError(`template ${backend}/${name}: ${(err as Error).message}`);
  }
}
