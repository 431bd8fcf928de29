/**
 * @fileoverview When a variable overflows, `fastml check` says where its type came from, whether
 * hls4ml overflows the same way, and what to change (src/emulator/overflow-advice.ts). The case is
 * the MLPerf-Tiny ToyCar autoencoder (QKeras) with its own test-bench inputs: with the default
 * configuration (hls4ml's config_from_keras_model defaults, fixed<16,6> for every type the
 * quantizers do not set) the inputs (down to -53) wrap, and so do three Dense accumulators and a
 * BatchNorm result. The advice, written into a configuration as given, removes every overflow.
 * docs/config.md "When the default configuration overflows" has the analysis.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import type { OverflowAdvice } from '../../src/emulator/overflow-advice.js';
import type { OverflowRow } from '../../src/emulator/overflow.js';
import { dataDir } from '../helpers/data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-overflow-advice-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const dir = path.join(dataDir, 'models/autoencoder_toycar_qkeras');
const model = path.join(dir, 'keras_model.h5');
const input = path.join(dir, 'tb_input_features.dat');

interface Report {
  outputs: { maxAbsErr: number }[];
  overflow: OverflowRow[];
  overflowAdvice: OverflowAdvice[];
}

async function check(...extra: string[]): Promise<{ json: Report; text: string }> {
  const io = memoryIO(tmp);
  expect(await main(['check', model, '-i', input, '--json', ...extra], io)).toBe(0);
  const io2 = memoryIO(tmp);
  expect(await main(['check', model, '-i', input, ...extra], io2)).toBe(0);
  return { json: JSON.parse(io.stdout) as Report, text: io2.stdout };
}

/** The advice as an hls4ml configuration (the Model default kept, one LayerName entry per change). */
function configFrom(advice: readonly OverflowAdvice[], extra: Record<string, Record<string, string>> = {}): string {
  const layers = new Map<string, Record<string, string>>();
  const add = (l: string, set: Readonly<Record<string, string>>) => layers.set(l, { ...(layers.get(l) ?? {}), ...set });
  for (const a of advice) {
    add(a.layer, a.set);
    for (const [l, set] of Object.entries(a.also ?? {})) add(l, set);
  }
  for (const [l, set] of Object.entries(extra)) add(l, set);
  const lines = ['HLSConfig:', '  Model:', '    Precision: fixed<16,6>', '  LayerName:'];
  for (const [l, set] of layers) lines.push(`    ${l}:`, '      Precision:', ...Object.entries(set).map(([k, v]) => `        ${k}: "${v}"`));
  return lines.join('\n') + '\n';
}

const overflowing = (rows: readonly OverflowRow[]) => rows.filter((r) => r.overflow + r.underflow > 0 && !r.quantizer).map((r) => `${r.layer}.${r.variable}`);

describe('overflow advice: the ToyCar autoencoder with the default configuration', () => {
  let first: Report;

  it('names each overflow, says hls4ml overflows the same way, and gives the change', async () => {
    const { json, text } = await check();
    first = json;
    expect(overflowing(json.overflow)).toEqual(['input_1.input', 'q_dense.accum', 'q_dense_1.accum', 'batch_normalization_2.result', 'q_dense_3.product', 'q_dense_3.accum']);
    const by = (l: string, v: string) => json.overflowAdvice.find((a) => a.layer === l && a.variable === v)!;
    // The inputs reach -52.97: 7 integer bits, the 10 fraction bits kept.
    expect(by('input_1', 'input')).toMatchObject({ from: 'Model.Precision.default', set: { result: 'fixed<17,7>' } });
    expect(by('input_1', 'input').hls4ml).toMatch(/config_from_\*_model gives an input layer the default precision at every granularity.*wraps these inputs too/);
    expect(by('q_dense', 'accum')).toMatchObject({ from: 'Model.Precision.default', set: { accum: 'auto', result: 'auto' }, also: { q_dense_linear: { result: 'auto' } } });
    expect(by('q_dense', 'accum').hls4ml).toMatch(/same type from this configuration, and from config_from_\*_model at granularity 'model'.*overflows here too.*'name' hls4ml >= 1\.0 writes accum and result: auto/);
    expect(by('batch_normalization_2', 'result')).toMatchObject({ set: { result: 'auto' } });
    expect(json.overflowAdvice).toHaveLength(6);
    expect(text).toContain('what to change (hls4ml builds these types from the same configuration, so it overflows the same way):');
    expect(text).toMatch(/ {6}input_1:\n {8}Precision:\n {10}result: "fixed<17,7>"/);
    expect(text).toMatch(/ {6}q_dense_linear:\n {8}Precision:\n {10}result: auto/);
  }, 120_000);

  it('the change, as given, removes every overflow and most of the error', async () => {
    writeFileSync(path.join(tmp, 'fixed.yml'), configFrom(first.overflowAdvice));
    const { json, text } = await check('-c', path.join(tmp, 'fixed.yml'));
    expect(overflowing(json.overflow)).toEqual([]);
    expect(json.overflowAdvice).toEqual([]);
    expect(text).not.toContain('what to change');
    expect(json.outputs[0]!.maxAbsErr).toBeLessThan(first.outputs[0]!.maxAbsErr / 10);
  }, 120_000);

  it('a type the configuration sets for the layer is named by its key', async () => {
    writeFileSync(path.join(tmp, 'narrow.yml'), configFrom(first.overflowAdvice.filter((a) => a.layer !== 'q_dense'), { q_dense: { accum: 'fixed<16,6>' } }));
    const { json } = await check('-c', path.join(tmp, 'narrow.yml'));
    const a = json.overflowAdvice.find((x) => x.layer === 'q_dense' && x.variable === 'accum');
    expect(a).toMatchObject({ from: 'LayerName.q_dense.Precision.accum', set: { accum: 'auto', result: 'auto' } });
    expect(a?.hls4ml).toMatch(/^the same type, from LayerName\.q_dense\.Precision\.accum: its firmware overflows here too$/);
  }, 120_000);

  it('inputs no fixed-point type holds get the overflow row and no advice (not an internal error)', async () => {
    // The fuzzer's "extreme values": 1e300 would need fixed<1008,998>, 1.7e308 more than the
    // headers' 1 024 bits (which made check fail with an internal error).
    const jet = path.join(dataDir, 'models/jet_mlp_3layer/keras_3layer.h5');
    const lines = Array.from({ length: 4 }, (_, s) => Array.from({ length: 16 }, (_, k) => (k === s ? '1e300' : k === s + 4 ? '-1.7e308' : '0.5')).join(' '));
    writeFileSync(path.join(tmp, 'extreme.dat'), lines.join('\n') + '\n');
    const io = memoryIO(tmp);
    const code = await main(['check', jet, '-i', path.join(tmp, 'extreme.dat'), '--json'], io);
    expect(io.stderr).not.toMatch(/internal error/);
    expect(code === 0 || code === 1, io.stderr).toBe(true);
    const json = JSON.parse(io.stdout) as Report;
    expect(overflowing(json.overflow)[0]).toMatch(/\.input$/);
    expect(json.overflowAdvice.filter((a) => a.variable === 'input')).toEqual([]);
  }, 120_000);
});
