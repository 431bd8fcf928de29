/**
 * @fileoverview Vega-Lite spec -> static SVG, in Node, without a browser: vega-lite compiles the
 * spec to Vega, and a headless Vega view renders it to an SVG string. The page then carries
 * the SVG (what the reader sees, with no script to run) next to the spec.
 */

import type { VlSpec } from './specs.js';

/** Every warning vega-lite gave in this process (the tests check there are none). */
export const renderWarnings: string[] = [];

export async function renderSvg(spec: VlSpec): Promise<string> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  // vega-lite's own logger writes warnings to the console, i.e. into the CLI's output; the specs
  // are fastml's, so a warning is a bug to fix in specs.ts (the tests render every chart).
  const warnings = renderWarnings;
  const logger = {
    level: (() => logger) as never,
    error: (...m: unknown[]) => void warnings.push(m.join(' ')),
    warn: (...m: unknown[]) => void warnings.push(m.join(' ')),
    info: () => logger,
    debug: () => logger,
  };
  const compiled = vl.compile(spec as never, { logger: logger as never }).spec;
  // renderer 'none': no canvas is needed; toSVG() renders a fresh SVG scenegraph.
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return withTitles(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Hover text without a script: Vega writes each mark's description as its aria-label; a <title>
 * child with the same text is what browsers show on hover.
 */
function withTitles(svg: string): string {
  return svg.replace(/<(path|line)([^>]*?) aria-label="([^"]*)"([^>]*?)\/>/g, (_m, tag: string, a: string, label: string, b: string) => `<${tag}${a} aria-label="${label}"${b}><title>${label}</title></${tag}>`);
}
