/**
 * @fileoverview The public hls4ml csynth truth (data/public_hls4ml_csynth.csv): one record per
 * report, its design rebuilt from the `design_json` column by hls4ml-design.ts. Rows without the
 * full design, with a design/report mismatch, modified kernels or an unknown topology are kept with
 * the reason, so docs/estimation.md lists every design left out.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Backend } from './types.js';
import type { Hls4mlLayer } from './hls4ml-design.js';
import { DesignError, designToGraph } from './hls4ml-design.js';
import type { TruthRecord } from './truth.js';
import { parseCsv } from './truth.js';
import type { Graph, Strategy } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { closestReuseFactor } from './reuse.js';

export const PUBLIC_CSV = 'public_hls4ml_csynth.csv';

const num = (s: string | undefined): number | undefined => (s === undefined || s.trim() === '' || !Number.isFinite(Number(s)) ? undefined : Number(s));

/** Vitis HLS reports say so in the tool column; Vivado HLS ended at 2020.1. */
export function backendOfTool(tool: string, version: string): Backend {
  if (/vitis/i.test(tool)) return 'vitis';
  if (/vivado/i.test(tool)) return 'vivado';
  return Number.parseFloat(version) > 2020.1 ? 'vitis' : 'vivado';
}

/**
 * The fewest cycles any report following the listed settings can show: a Resource-strategy layer
 * has multiplier_limit = n_in x n_out / RF multipliers for its n_in x n_out products per output
 * position, so it spends at least RF cycles per output position (and the layers of a dataflow
 * region overlap, hence the largest, not the sum). A report below this bound was not synthesised
 * from the listed reuse factors (older or edited firmware committed beside it).
 */
export function resourceCycleBound(g: Graph, strategy: Strategy, reuseFactor: number): { cycles: number; layer?: string } {
  let best: { cycles: number; layer?: string } = { cycles: 0 };
  for (const l of g.layers) {
    const a = l.attrs;
    if ((l.strategy ?? strategy) !== 'resource' || (a.op !== 'Dense' && a.op !== 'Conv')) continue;
    const nIn = a.op === 'Dense' ? a.nIn : (a.kernel.reduce((x, y) => x * y, 1) * a.cIn) / a.groups;
    const nOut = a.op === 'Dense' ? a.nOut : a.cOut;
    const rf = closestReuseFactor(nIn, nOut, Math.max(1, l.reuseFactor ?? reuseFactor));
    const out = g.tensors.get(l.outputs[0] ?? '');
    const positions = a.op === 'Conv' && out ? numel(out.shape) / Math.max(1, out.shape[out.shape.length - 1]!) : 1;
    if (positions * rf > best.cycles) best = { cycles: positions * rf, layer: `${l.name} (${nIn}x${nOut}, reuse ${rf}, ${positions} output positions)` };
  }
  return best;
}

export function publicRecords(dir: string): TruthRecord[] {
  const file = path.join(dir, 'data', PUBLIC_CSV);
  if (!existsSync(file)) return [];
  const rows = parseCsv(readFileSync(file, 'utf8'));
  return rows.map((r, k): TruthRecord => {
    const truth: TruthRecord['truth'] = {};
    const put = (key: keyof TruthRecord['truth'], col: string) => {
      const v = num(r[col]);
      if (v !== undefined) (truth as Record<string, number>)[key] = v;
    };
    put('latency_cycles', 'latency_best');
    put('ii', 'ii_min');
    put('dsp', 'DSP');
    put('lut', 'LUT');
    put('ff', 'FF');
    put('bram_18k', 'BRAM_18K');
    put('uram', 'URAM');
    const repo = r.repo ?? 'unknown';
    const design = (r.design ?? '').replace(/, /g, ' / ');
    const base = {
      id: `pub-csynth-${k + 1}`,
      dataset: 'public-hls4ml' as const,
      group: repo,
      label: `${repo.split('/')[1] ?? repo} ${r.tool ?? ''} ${r.version ?? ''} ${design.length > 60 ? design.slice(0, 57) + '...' : design}`,
      source: `${PUBLIC_CSV} row ${k + 1} (${r.source})`,
      toolVersion: r.version ?? '',
      truth,
    };
    if (r.complete !== 'True') return { ...base, excluded: 'design incomplete in the report\'s repository (complete = False)' };
    if (r.design_mismatch_warning === 'True') return { ...base, excluded: 'committed firmware does not match the report (design_mismatch_warning)' };
    if (truth.latency_cycles === undefined && truth.dsp === undefined) return { ...base, excluded: 'no figures in the report' };
    let layers: Hls4mlLayer[];
    try {
      layers = JSON.parse(r.design_json ?? '[]') as Hls4mlLayer[];
    } catch {
      return { ...base, excluded: 'design_json is not valid JSON' };
    }
    try {
      const d = designToGraph(layers, `pub_${k + 1}`);
      const clockNs = num(r.clock_target_ns) ?? 5;
      // A latency below what the listed reuse factors allow (resourceCycleBound) was not
      // synthesised from them; the resources still can be (the DSP count of these reports is the
      // listed multiplier_limit), so only the timing is withheld from the comparison.
      const bound = resourceCycleBound(d.graph, d.strategy, d.reuseFactor);
      let withheld: TruthRecord['withheld'];
      if (truth.latency_cycles !== undefined && truth.latency_cycles < bound.cycles) {
        const values: Record<string, number> = { latency_cycles: truth.latency_cycles };
        if (truth.ii !== undefined) values.ii = truth.ii;
        delete truth.latency_cycles;
        delete truth.ii;
        withheld = {
          figures: Object.keys(values),
          values,
          reason: `latency ${values.latency_cycles} cycles is below the ${bound.cycles} that layer ${bound.layer} needs on its multiplier_limit multipliers: the report's schedule does not follow its listed reuse factors (older or edited firmware)`,
        };
      }
      return {
        ...base,
        ...(withheld ? { withheld } : {}),
        graph: d.graph,
        options: {
          backend: backendOfTool(r.tool ?? '', r.version ?? ''),
          part: r.part ?? '',
          clockNs,
          ioType: d.ioType,
          strategy: d.strategy,
          reuseFactor: d.reuseFactor,
          toolVersion: r.version ?? '',
        },
      };
    } catch (e) {
      if (e instanceof DesignError) return { ...base, excluded: e.reason };
      throw e;
    }
  });
}
