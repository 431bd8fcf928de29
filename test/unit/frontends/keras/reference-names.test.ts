/**
 * @fileoverview hls4ml configs and traces name layers; the IR must use the same names. For every
 * hls4ml reference case built from a Keras file, every layer hls4ml kept (case.yml
 * `resolved_layers`), every traced layer and every `LayerName` in its config.yml must exist in
 * the IR the Keras frontend builds, with the same output shape for the resolved layers.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadModel } from '../../../../src/frontends/index.js';
import { numel } from '../../../../src/ir/graph.js';
import { sharedDir } from './helpers.js';

const refDir = path.join(sharedDir, 'reference/hls4ml');

describe('layer names match hls4ml reference cases', () => {
  const cases = readdirSync(refDir).filter((d) => existsSync(path.join(refDir, d, 'config.yml')));
  test('there are Keras reference cases', () => expect(cases.length).toBeGreaterThanOrEqual(7));
  for (const c of cases) {
    const cfg = parse(readFileSync(path.join(refDir, c, 'config.yml'), 'utf8'));
    if (!cfg.KerasJson) continue;
    test(c, async () => {
      const g = await loadModel(path.join(sharedDir, cfg.KerasJson), { weights: path.join(sharedDir, cfg.KerasH5) });
      const names = new Set(g.layers.map((l) => l.name));
      const meta = parse(readFileSync(path.join(refDir, c, 'case.yml'), 'utf8'));
      type Resolved = { name: string; output_shape: number[]; time_distributed_role?: string; wrapped_layers?: string[]; n_time_steps?: number };
      const resolved = meta.resolved_layers as Resolved[];
      // hls4ml runs TimeDistributed as a loop: a loop-start node holding one time step (no IR
      // counterpart: the IR applies the wrapped layer to the whole sequence) and the wrapped layers
      // with per-step shapes (in the IR: steps x that size).
      const loopStarts = resolved.filter((rl) => rl.time_distributed_role?.startsWith('loop start'));
      const steps = new Map(loopStarts.flatMap((rl) => (rl.wrapped_layers ?? []).map((w) => [w, rl.n_time_steps ?? 1] as const)));
      for (const rl of resolved) {
        if (loopStarts.includes(rl)) continue;
        expect(names, `resolved layer ${rl.name}`).toContain(rl.name);
        // hls4ml turns Flatten into a Reshape of the same size; compare sizes, exact shapes otherwise.
        const shape = g.tensors.get(rl.name)!.shape;
        expect(numel(shape), `size of ${rl.name}`).toBe(numel(rl.output_shape) * (steps.get(rl.name) ?? 1));
      }
      for (const t of Object.keys(meta.traces ?? {})) expect(names).toContain(t.replace(/^trace_/, '').replace(/\.npy$/, ''));
      for (const n of Object.keys(cfg.HLSConfig?.LayerName ?? {})) expect(names, `LayerName ${n}`).toContain(n);
    });
  }
});

describe('hls4ml configs shipped with the QKeras models name layers the IR has', () => {
  for (const [dir, yml, json] of [
    ['qkeras_jet_mlp_3layer', 'qkeras_3layer_config.yml', 'qkeras_3layer.json'],
    ['qkeras_mnist_cnn', 'qkeras_mnist_cnn_config.yml', 'qkeras_mnist_cnn.json'],
  ] as const)
    test(dir, async () => {
      const cfg = parse(readFileSync(path.join(sharedDir, 'models', dir, yml), 'utf8'));
      const g = await loadModel(path.join(sharedDir, 'models', dir, json));
      const names = new Set(g.layers.map((l) => l.name));
      const wanted = Object.keys(cfg.HLSConfig.LayerName);
      expect(wanted.length).toBeGreaterThan(5);
      for (const n of wanted) expect(names, `LayerName ${n}`).toContain(n);
    });
});
