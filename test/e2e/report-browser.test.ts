/**
 * @fileoverview The report pages in a real browser: Debian's Chromium (/usr/bin/chromium, installed
 * by .ci/run, or by this test when it runs as root, when absent) driven by puppeteer-core, headless, from file:// URLs. For the MLP, CNN
 * and QONNX models and a sweep: the page loads with no console error, every section is there with
 * as many drawn layers / points as the embedded data has, and a screenshot is not blank.
 *
 * FASTML_UPDATE_SCREENSHOT=1 also writes the MLP page's screenshot to docs/report.png (the README's).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { readTensorFile, writeTensorFile } from '../../src/io/index.js';
import { dataDir, projectRoot } from '../helpers/data.js';
import { renderWarnings } from '../../src/report/render.js';

const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-browser-'));
const ref = (c: string, f: string) => path.join(dataDir, 'reference/hls4ml', c, f);

function slice(src: string, n: number, name: string): string {
  const a = [...readTensorFile(src).values()][0]!;
  const per = a.data.length / a.shape[0]!;
  const out = path.join(tmp, name);
  writeTensorFile(out, [{ name: 'x', shape: [n, ...a.shape.slice(1)], data: a.data.subarray(0, n * per) }], { dtype: 'f4' });
  return out;
}

async function cli(args: string[]): Promise<void> {
  const io = memoryIO(tmp);
  const code = await main(args, io);
  if (code !== 0) throw new Error(`fastml ${args.join(' ')} -> ${code}\n${io.stderr}`);
}

const embedded = (html: string): any => JSON.parse(/<script type="application\/json" id="fastml-report-data">([\s\S]*?)<\/script>/.exec(html)![1]!);

interface Page {
  id: string;
  file: string;
}
const pages: Page[] = [];
let browser: Browser;

beforeAll(async () => {
  // Debian's Chromium, installed here when absent and the tests run as root (as .ci/run does first).
  if (!existsSync(CHROMIUM) && !process.env['CHROMIUM'] && process.getuid?.() === 0)
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 chromium'], { stdio: 'ignore', timeout: 900_000 });
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`).toBe(true);
  const jetX = slice(ref('jet_mlp_3layer_model_stable', 'X.npy'), 200, 'jet.npy');
  const cnnX = slice(ref('conv2d_small', 'X.npy'), 50, 'cnn.npy');
  const mlp = path.join(dataDir, 'models/jet_mlp_3layer/KERAS_3layer.json');
  const jobs: Array<[string, string[]]> = [
    ['mlp', ['report', mlp, '-i', jetX, '-c', ref('jet_mlp_3layer_model_stable', 'config.yml')]],
    ['cnn', ['report', path.join(dataDir, 'models/conv2d_small/KERAS_conv2d_model.json'), '-i', cnnX, '-c', ref('conv2d_small', 'config.yml')]],
    ['qonnx', ['report', path.join(dataDir, 'models/qonnx_jet_mlp_3layer/qkeras_jettagging.onnx'), '-i', jetX]],
    ['sweep', ['estimate', mlp, '--sweep', 'reuse=1,2,4', 'precision=8,16', '--input', jetX, '--samples', '50']],
  ];
  for (const [id, args] of jobs) {
    const file = path.join(tmp, `${id}.html`);
    await cli([...args, '--html', file]);
    pages.push({ id, file });
  }
  // vega-lite accepted every spec without a warning.
  expect(renderWarnings).toEqual([]);
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}, 900_000);

afterAll(async () => {
  await browser?.close();
});

/** Opens a page; returns it with the console errors and page errors seen while loading. */
async function open(file: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors };
}

/** Counts of drawn marks: paths inside a named Vega mark group of one chart. */
const marks = (chart: string, name: string) => `figure[data-chart="${chart}"] g.${name}_marks > path`;

describe('report pages in headless Chromium', () => {
  for (const id of ['mlp', 'cnn', 'qonnx']) {
    it(`${id}: loads clean, every section drawn with the data's layers, screenshot not blank`, async () => {
      const p = pages.find((x) => x.id === id)!;
      const data = embedded(readFileSync(p.file, 'utf8'));
      const { page, errors } = await open(p.file);
      const count = (sel: string) => page.$$eval(sel, (els) => els.length);
      for (const s of ['precision', 'error', 'resources', 'graph', 'provenance']) expect(await count(`section#${s}`), s).toBe(1);

      const prof = data.profile.entries;
      const boxes = (kind: string) => prof.filter((e: any) => e.kind === kind && e.log2).length;
      expect(await count(marks('profile-weights', 'box'))).toBe(boxes('weight'));
      expect(await count(marks('profile-activations', 'box'))).toBe(boxes('activation'));
      // Hover text on every box, with its figures in words (no script needed).
      const tips = await page.$$eval(`${marks('profile-activations', 'box')} > title`, (els) => els.map((e) => e.textContent ?? ''));
      expect(tips).toHaveLength(boxes('activation'));
      for (const t of tips) expect(t).toMatch(/: log2\|x\| median -?[\d.]+, .* \d+ values, \d+ zero, \d+ below 1 LSB, \d+ above the type's max$/);
      // One band per box with a type: the representable range is drawn.
      expect(await count(marks('profile-activations', 'band'))).toBe(prof.filter((e: any) => e.kind === 'activation' && e.band).length);
      expect(await count('#overflow-table tbody tr')).toBe(data.check.overflow.filter((r: any) => r.count > 0).length);

      expect(await count(marks('error-growth', 'errpoint'))).toBe(2 * data.check.layers.length);
      expect(await count(marks('resources-per-layer', 'res_dsp'))).toBe(data.resources.layers.length);
      expect(await count('#resource-table tbody tr')).toBe(data.resources.layers.length);
      expect(await count(marks('graph', 'nodes'))).toBe(data.model.layers.length);
      expect(await count('#graph-table tbody tr')).toBe(data.model.layers.length);
      expect(await page.$eval('#fastml-command', (e) => e.textContent)).toMatch(/^fastml report .* --html /);
      expect(await page.$eval('#fastml-version', (e) => e.textContent)).toMatch(/^\d+\.\d+\.\d+/);

      const png = (await page.screenshot({ fullPage: true, type: 'png' })) as Uint8Array;
      if (id === 'mlp') {
        writeFileSync(path.join(tmp, 'report.png'), png);
        if (process.env['FASTML_UPDATE_SCREENSHOT']) writeFileSync(path.join(projectRoot, 'docs/report.png'), await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width: 1280, height: 1400 } }));
      }
      // Decode the screenshot in the browser and count its colours and non-white pixels.
      const stats = await page.evaluate(async (b64: string) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const g = c.getContext('2d')!;
        g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set<number>();
        let ink = 0;
        for (let i = 0; i < d.length; i += 4 * 7) {
          colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
          if (d[i]! < 200 || d[i + 1]! < 200 || d[i + 2]! < 200) ink++;
        }
        return { w: c.width, h: c.height, colours: colours.size, ink: ink / (d.length / 28) };
      }, Buffer.from(png).toString('base64'));
      expect(stats.w).toBe(1280);
      expect(stats.h).toBeGreaterThan(2000);
      expect(stats.colours).toBeGreaterThan(50);
      expect(stats.ink).toBeGreaterThan(0.03);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('sweep: every design point drawn in both panels, the Pareto points marked, the table complete', async () => {
    const p = pages.find((x) => x.id === 'sweep')!;
    const data = embedded(readFileSync(p.file, 'utf8'));
    const { page, errors } = await open(p.file);
    const count = (sel: string) => page.$$eval(sel, (els) => els.length);
    expect(await count('section#sweep')).toBe(1);
    expect(await count('section#graph')).toBe(1);
    expect(data.sweep.points).toHaveLength(6);
    expect(await count(marks('sweep', 'sweep_dsp'))).toBe(6);
    expect(await count(marks('sweep', 'sweep_lut'))).toBe(6);
    expect(await count('#sweep-table tbody tr')).toBe(6);
    const pareto = data.sweep.points.filter((x: any) => x.pareto).length;
    expect(pareto).toBeGreaterThan(0);
    expect(await page.$eval('[data-sweep-points]', (e) => [e.getAttribute('data-sweep-points'), e.getAttribute('data-pareto')])).toEqual(['6', String(pareto)]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
