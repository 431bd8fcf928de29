/**
 * @fileoverview `fastml report MODEL --input X --html` and `fastml estimate --sweep --html`: the
 * numbers the page embeds (script#fastml-report-data, from which every chart is drawn) are the
 * numbers `fastml check --json` and `fastml estimate --json` print for the same model, config and
 * inputs (MLP, CNN and QONNX models); the page is self-contained; the output never overwrites an
 * input or a file fastml did not write; a project page ties csynth modules to layers.
 */

import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { readTensorFile, writeTensorFile } from '../../src/io/index.js';
import { dataDir } from '../helpers/data.js';
import { vivadoModule, vivadoTop } from '../unit/estimate/csynth-fixtures.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-report-'));
const ref = (c: string, f: string) => path.join(dataDir, 'reference/hls4ml', c, f);

/** The first n samples of a reference X.npy, so the three models run in a few seconds. */
function slice(src: string, n: number, name: string): string {
  const a = [...readTensorFile(src).values()][0]!;
  const per = a.data.length / a.shape[0]!;
  const out = path.join(tmp, name);
  writeTensorFile(out, [{ name: 'x', shape: [n, ...a.shape.slice(1)], data: a.data.subarray(0, n * per) }], { dtype: 'f4' });
  return out;
}

export function embedded(html: string): any {
  const m = /<script type="application\/json" id="fastml-report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no embedded report data');
  return JSON.parse(m[1]!);
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO(tmp);
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

const cases = [
  { id: 'mlp', model: path.join(dataDir, 'models/jet_mlp_3layer/KERAS_3layer.json'), config: ref('jet_mlp_3layer_model_stable', 'config.yml'), x: () => slice(ref('jet_mlp_3layer_model_stable', 'X.npy'), 300, 'mlp_x.npy') },
  { id: 'cnn', model: path.join(dataDir, 'models/conv2d_small/KERAS_conv2d_model.json'), config: ref('conv2d_small', 'config.yml'), x: () => slice(ref('conv2d_small', 'X.npy'), 100, 'cnn_x.npy') },
  { id: 'qonnx', model: path.join(dataDir, 'models/qonnx_jet_mlp_3layer/qkeras_jettagging.onnx'), config: undefined, x: () => slice(ref('jet_mlp_3layer_model_stable', 'X.npy'), 200, 'qonnx_x.npy') },
];

describe('fastml report MODEL --html: the page holds the CLI\'s numbers', () => {
  for (const c of cases) {
    it(`${c.id}: embedded check and estimate data equal check --json and estimate --json`, async () => {
      const X = c.x();
      const cfg = c.config ? ['-c', c.config] : [];
      const html = path.join(tmp, `${c.id}.html`);
      const r = await run(['report', c.model, '-i', X, ...cfg, '--html', html]);
      expect(r.err.replace(/^(warning|  hint|report:).*\n/gm, '')).toBe('');
      expect(r.code).toBe(0);
      const page = readFileSync(html, 'utf8');
      const data = embedded(page);

      const chk = await run(['check', c.model, '-i', X, ...cfg, '--json']);
      const { pipeline: _p, ...checkJson } = JSON.parse(chk.out);
      expect(data.check).toEqual(checkJson);
      expect(data.check.layers.length).toBeGreaterThan(2);

      const est = await run(['estimate', c.model, ...cfg, '--json']);
      const e = JSON.parse(est.out);
      const FIG = ['latency_cycles', 'ii', 'dsp', 'lut', 'ff', 'bram_18k', 'uram'];
      expect(data.resources.layers.map((l: any) => [l.layer, l.op, ...FIG.map((k) => l[k])])).toEqual(e.layers.map((l: any) => [l.name, l.op, ...FIG.map((k) => l[k])]));
      for (const k of FIG) expect(data.resources.total[k]).toBe(e.total[k]);
      expect(data.resources.part).toBe(e.part);

      // The profile: a weight box per weighted layer and role, activation boxes on the inputs, each
      // against its type's band.
      const weighted = data.model.layers.filter((l: any) => l.weights > 0).length;
      expect(new Set(data.profile.entries.filter((p: any) => p.kind === 'weight').map((p: any) => p.layer)).size).toBe(weighted);
      const fixedActs = data.profile.entries.filter((p: any) => p.kind === 'activation' && p.source === 'fixed');
      expect(fixedActs.length).toBe(data.model.layers.length);
      for (const p of fixedActs) if (p.type) expect(p.band.maxLog2).toBeGreaterThan(p.band.lsbLog2);
      // Fixed-point activations are multiples of the LSB: none below it (the float ones may be).
      for (const p of fixedActs) if (p.type) expect(p.belowLsb).toBe(0);

      if (c.id === 'mlp') {
        // The edge rows of X (|x| = 10000) overflow the input type: the profile's count over the
        // user's data agrees with the emulator's overflow accounting.
        const inFloat = data.profile.entries.find((p: any) => p.layer === 'input_1' && p.source === 'float');
        const inOvf = data.check.overflow.find((r: any) => r.layer === 'input_1' && r.variable === 'input');
        expect(inFloat.aboveMax).toBeGreaterThan(0);
        expect(inFloat.aboveMax).toBe(inOvf.overflow + inOvf.underflow);
      }

      // Self-contained: nothing fetched (no src/href to another resource, no @import, no url()).
      // (SVG clip paths refer to ids inside the page: url(#clip1) is fine.)
      expect(/<script[^>]+src=|<link[^>]+href=|@import|url\((?!#)|https?:\/\/(?!vega\.github\.io\/schema|www\.w3\.org)/i.exec(page)?.[0] ?? null).toBeNull();
      expect(data.fastml.command).toContain('report');
      expect(data.fastml.command).toContain('--html');
    });
  }

  it('the sweep page holds estimate --sweep --json\'s points, Pareto marks and accuracies', async () => {
    const X = cases[0]!.x();
    const model = cases[0]!.model;
    const html = path.join(tmp, 'sweep.html');
    const axes = ['--sweep', 'reuse=1,2,4', 'precision=8,16', '--input', X, '--samples', '100'];
    const r = await run(['estimate', model, ...axes, '--html', html]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Pareto point/);
    const data = embedded(readFileSync(html, 'utf8'));
    const j = JSON.parse((await run(['estimate', model, ...axes, '--json'])).out);
    expect(data.sweep.points).toHaveLength(6);
    expect(data.sweep.points.map((p: any) => [p.reuse, p.latency_cycles, p.dsp, p.lut, p.pareto, p.accuracy])).toEqual(j.map((p: any) => [p.reuse, p.total.latency_cycles, p.total.dsp, p.total.lut, p.pareto, p.accuracy]));
    expect(data.sweep.points.some((p: any) => p.pareto)).toBe(true);
    // The sweep's page may not replace its inputs either; checked before the sweep runs.
    const bad = await run(['estimate', model, ...axes, '--html', X]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/FML7030/);
    expect(bad.out).toBe('');
  });
});

describe('fastml report: inputs and user files are never overwritten', () => {
  it('refuses --html equal to an input (exit 2, the input unchanged) and a file fastml did not write', async () => {
    const X = cases[0]!.x();
    const before = readFileSync(X);
    const r = await run(['report', cases[0]!.model, '-i', X, '--html', X]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/FML7030.*is also an input/);
    expect(readFileSync(X).equals(before)).toBe(true);

    const mine = path.join(tmp, 'notes.html');
    writeFileSync(mine, '<html>my notes</html>');
    const r2 = await run(['report', cases[0]!.model, '--html', mine]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/FML7031.*not a fastml report/);
    expect(readFileSync(mine, 'utf8')).toBe('<html>my notes</html>');

    // An earlier report is replaced, through a temporary file that does not stay behind.
    const page = path.join(tmp, 'again.html');
    expect((await run(['report', cases[0]!.model, '--html', page])).code).toBe(0);
    expect((await run(['report', cases[0]!.model, '--html', page])).code).toBe(0);
    expect(readdirSync(tmp).filter((f) => f.includes('again.html') && f.endsWith('.tmp'))).toEqual([]);
  });

  it('a model report without --html or --json is a usage error naming the file', async () => {
    const r = await run(['report', cases[0]!.model]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/FML7033: .*KERAS_3layer\.json: a model report is a page/);
  });
});

describe('fastml report DIR --html: a built project', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(tmp, 'proj');
    const c = await run(['compile', cases[0]!.model, '-c', cases[0]!.config!, '-o', dir]);
    expect(c.code).toBe(0);
  });

  it('without a csynth report: the estimate alone, the model found through fastml.lock.json', async () => {
    const html = path.join(tmp, 'proj-nosynth.html');
    // The lock names the model file; it is looked for beside the project: copy it there.
    const copy = path.join(tmp, 'KERAS_3layer.json');
    writeFileSync(copy, readFileSync(cases[0]!.model));
    writeFileSync(path.join(tmp, 'KERAS_3layer_weights.h5'), readFileSync(cases[0]!.model.replace('.json', '_weights.h5')));
    const r = await run(['report', dir, '--html', html]);
    expect(r.err).toMatch(/no csynth\.xml/);
    expect(r.code).toBe(0);
    const data = embedded(readFileSync(html, 'utf8'));
    expect(data.resources.synth).toBeUndefined();
    expect(data.resources.layers.length).toBeGreaterThan(3);
  });

  it('with csynth reports: per-layer synthesized figures beside the estimate', async () => {
    const rep = path.join(dir, 'myproject_prj/solution1/syn/report');
    mkdirSync(rep, { recursive: true });
    writeFileSync(path.join(rep, 'csynth.xml'), vivadoTop({ lat: 9, ii: 1, dsp: 3000, lut: 90000, ff: 20000, bram: 4 }));
    writeFileSync(path.join(rep, 'dense_latency_config2_s_csynth.xml'), vivadoModule('dense_latency_config2_s', 2, 1024));
    const html = path.join(tmp, 'proj.html');
    const r = await run(['report', dir, '--model', cases[0]!.model, '-c', cases[0]!.config!, '--html', html]);
    expect(r.code).toBe(0);
    const data = embedded(readFileSync(html, 'utf8'));
    expect(data.resources.synth.total.dsp).toBe(3000);
    expect(data.resources.synth.total.latency_cycles).toBe(10);
    const tied = data.resources.layers.filter((l: any) => l.synth);
    expect(tied.map((l: any) => [l.layer, l.synth.dsp])).toEqual([['fc1_relu', 1024]]);
    expect(existsSync(html)).toBe(true);
  });

  it('with --input: the design as built, profiled on the inputs (the numbers check prints)', async () => {
    const X = cases[0]!.x();
    const html = path.join(tmp, 'proj-input.html');
    const r = await run(['report', dir, '--model', cases[0]!.model, '-c', cases[0]!.config!, '-i', X, '--html', html]);
    expect(r.code).toBe(0);
    const data = embedded(readFileSync(html, 'utf8'));
    const { pipeline: _p, ...checkJson } = JSON.parse((await run(['check', cases[0]!.model, '-c', cases[0]!.config!, '-i', X, '--json'])).out);
    expect(data.check).toEqual(checkJson);
    expect(data.resources.synth.total.dsp).toBe(3000);
    // Without --html, --input has nothing to draw on.
    expect((await run(['report', dir, '--model', cases[0]!.model, '-i', X])).code).toBe(2);
  });
});
