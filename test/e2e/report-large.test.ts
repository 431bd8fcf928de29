/**
 * @fileoverview The report's bounds: a 1001-layer model and a model of 1.06M weights give a page of
 * bounded size, with sampled distributions said on the page (and, past 150 layers, the graph listed
 * rather than drawn), still covering every layer; a 51-layer model's page stays well under a few MB.
 * Times are measured by bench/report/bench.mjs, not here.
 */

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { writeTensorFile } from '../../src/io/index.js';
import { normal, rng } from '../../src/tools/onnx-writer.js';
import { syntheticMlp } from '../../src/tools/synthetic-models.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-large-'));
const MB = 1 << 20;

async function page(name: string, widths: number[], samples: number): Promise<{ bytes: number; html: string; data: any }> {
  const model = path.join(tmp, `${name}.onnx`);
  writeFileSync(model, syntheticMlp({ widths }));
  const x = path.join(tmp, `${name}_x.npy`);
  writeTensorFile(x, [{ name: 'x', shape: [samples, widths[0]!], data: Float64Array.from(normal(rng(7), samples * widths[0]!, 1)) }], { dtype: 'f4' });
  const out = path.join(tmp, `${name}.html`);
  const io = memoryIO(tmp);
  const code = await main(['report', model, '-i', x, '--html', out], io);
  expect(io.stderr.replace(/^(warning|  hint|report:).*\n/gm, '')).toBe('');
  expect(code).toBe(0);
  const html = readFileSync(out, 'utf8');
  const data = JSON.parse(/<script type="application\/json" id="fastml-report-data">([\s\S]*?)<\/script>/.exec(html)![1]!);
  return { bytes: statSync(out).size, html, data };
}

describe('report pages of large models stay bounded', () => {
  it('51 layers: under 2 MB, every layer drawn', async () => {
    const p = await page('mlp51', Array(27).fill(16), 100);
    expect(p.data.model.layers).toHaveLength(52);
    expect(p.bytes).toBeLessThan(2 * MB);
    expect(p.html).toContain('data-chart="graph"');
  });

  it('1001 layers: a bounded page, the graph listed, every layer profiled', async () => {
    const p = await page('mlp1001', Array(502).fill(8), 20);
    expect(p.data.model.layers).toHaveLength(1002);
    expect(p.bytes).toBeLessThan(6 * MB);
    expect(p.html).toContain('id="graph-not-drawn"');
    // The per-layer charts draw a bounded subset, and say so; the data keeps every layer.
    expect(p.html).toMatch(/id="layers-note">The model has 1002 layers: the per-layer charts draw 200 of them/);
    expect(Number(/data-error-layers="(\d+)"/.exec(p.html)![1])).toBeLessThanOrEqual(200);
    expect(p.html).not.toContain('data-chart="graph"');
    expect(new Set(p.data.profile.entries.filter((e: any) => e.kind === 'activation').map((e: any) => e.layer)).size).toBe(1002);
    expect(p.data.check.layers.length).toBeGreaterThanOrEqual(1001);
  });

  it('1.06M weights: distributions sampled and the page says so', async () => {
    const p = await page('wide', [64, 1024, 1024, 10], 20);
    const big = p.data.profile.entries.find((e: any) => e.layer === 'fc1' && e.variable === 'kernel');
    expect(big.count).toBe(1024 * 1024);
    expect(big.sampled).toBeLessThanOrEqual(p.data.profile.maxSample);
    expect(big.sampled).toBeLessThan(big.count / 10);
    expect(p.html).toMatch(/id="sampling-note">Sampled: .*fc1 kernel\/weights: \d+ of \d+/);
    expect(p.bytes).toBeLessThan(2 * MB);
  });
});
