/**
 * @fileoverview The design-space page of a collected sweep (`fastml sweep collect DIR --html FILE`): the
 * report's sweep section with each point's synthesized figures where its csynth report exists (the
 * estimate otherwise, said on the page), the Pareto front `collect` marked, and the model as the first
 * point builds it.
 */

import path from 'node:path';
import type { Collected } from './collect.js';
import { preparePoint } from './create.js';
import { readManifest } from './manifest.js';

export async function sweepPage(dir: string, c: Collected, out: string, meta: { version: string; command: string }): Promise<number> {
  const { loadConfig, defaultConfig, configFromObject } = await import('../config/load.js');
  const { withModelOverrides } = await import('../config/overrides.js');
  const { loadModel } = await import('../frontends/index.js');
  const { runPipeline } = await import('../passes/pipeline.js');
  const { assemble, writeReportPage } = await import('../report/build.js');
  const m = readManifest(dir);
  const base = m.config ? loadConfig(m.config) : defaultConfig();
  const raw = await loadModel(m.model, m.weights ? { weights: m.weights } : {});
  const { graph } = preparePoint(raw, base, m.config, m.base, m.points[0]!, { configFromObject, withModelOverrides, runPipeline });
  const synthesized = c.rows.filter((r) => r.synth).length;
  const rows = c.rows.map((r) => {
    const f = r.synth ?? r.estimate;
    const s = r.settings;
    return {
      ...(typeof s.strategy === 'string' ? { strategy: s.strategy } : {}),
      ...(typeof s.precision === 'string' ? { precision: s.precision } : {}),
      ...(typeof s.reuse === 'number' ? { reuse: s.reuse } : {}),
      latency_cycles: f.latency_cycles ?? 0,
      ii: f.ii ?? 0,
      dsp: f.dsp ?? 0,
      lut: f.lut ?? 0,
      ff: f.ff ?? 0,
      bram_18k: f.bram_18k ?? 0,
      ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}),
      pareto: Boolean(r.pareto),
    };
  });
  const data = assemble({
    title: `fastml sweep: ${path.basename(m.model)} (${c.rows.length} points)`,
    version: meta.version,
    command: meta.command,
    modelFile: m.model,
    graph,
    sweepRows: rows,
    profile: false,
    notes: [
      `Figures: ${synthesized} of ${c.rows.length} points from their vendor csynth reports, the rest from fastml's estimator (sweep folder ${dir}). Pareto front on the ${c.frontOn === 'synthesis' ? 'synthesized figures' : 'estimates'}.`,
      'Model section: the first design point as built.',
    ],
  });
  return writeReportPage(data, out, [path.join(dir, 'sweep.json'), path.join(dir, 'results.json'), path.join(dir, 'results.csv')]);
}
