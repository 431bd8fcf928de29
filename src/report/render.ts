/**
 * @fileoverview Vega-Lite spec -> static SVG, in Node, without a browser: vega-lite compiles the
 * spec to Vega, and a headless Vega view renders it to an SVG string. The page then carries
 * the SVG (what the reader sees, with no script to run) next to the spec.
 */

import type { VlSpec } from './specs.js';

export async function renderSvg(spec: VlSpec): Promise<string> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vl.compile(spec as never).spec;
  // renderer 'none': no canvas is needed; toSVG() renders a fresh SVG scenegraph.
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
