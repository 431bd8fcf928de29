/**
 * @fileoverview The Keras frontend as a user meets it, through the CLI run in-process: a .json
 * finds its weights beside it, `--weights` works, a .keras loads, and bad input gives one-line
 * errors with the documented exit codes and no stack trace.
 */

import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../../../../src/cli/main.js';
import { memoryIO } from '../../../../src/cli/io.js';
import { functional, inputLayer, klayer, modelsDir, tmpDir, writeJsonModel } from './helpers.js';

async function run(args: string[]) {
  const io = memoryIO();
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('fastml inspect on Keras files', () => {
  test('architecture .json finds <stem>_weights.h5 beside it', async () => {
    const r = await run(['inspect', path.join(modelsDir, 'jet_mlp_3layer/KERAS_3layer.json')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('fc1_relu_relu');
    expect(r.out).toContain('output_softmax_softmax');
  });

  test('--weights with a .json elsewhere', async () => {
    const dir = tmpDir();
    const json = path.join(dir, 'arch.json');
    copyFileSync(path.join(modelsDir, 'mlp_2layer_sigmoid/KERAS_1layer.json'), json);
    const r = await run(['inspect', json, '--weights', path.join(modelsDir, 'mlp_2layer_sigmoid/KERAS_1layer_weights.h5'), '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(JSON.stringify(report)).toContain('output_sigmoid_sigmoid');
  });

  test('Keras 3 .keras', async () => {
    const r = await run(['inspect', path.join(modelsDir, 'qkeras_jet_mlp_3layer/qkeras-v3_3layer.keras')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('relu1');
  });

  test('missing weights: exit 2, one line naming the file, no stack', async () => {
    const dir = tmpDir();
    const json = path.join(dir, 'alone.json');
    copyFileSync(path.join(modelsDir, 'jet_mlp_3layer/KERAS_3layer.json'), json);
    const r = await run(['inspect', json]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(json);
    expect(r.err).toContain('alone_weights.h5');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  test('weights-only .h5 given as the model: exit 2 with a hint', async () => {
    const r = await run(['inspect', path.join(modelsDir, 'jet_mlp_3layer/KERAS_3layer_weights.h5')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('weights only');
  });

  test('unsupported layers: exit 2, every one listed with name and class', async () => {
    const dir = tmpDir();
    const layers = [
      inputLayer('in', [4]),
      klayer('Embedding', 'emb', { input_dim: 10, output_dim: 2 }, ['in']),
      klayer('Attention', 'att', {}, ['emb']),
      klayer('Dense', 'd', { units: 2, activation: 'gelu' }, ['in']),
    ];
    const json = await writeJsonModel(dir, 'unsup', functional(layers, ['in'], ['att']), []);
    const r = await run(['inspect', json]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('node "emb" (Embedding): layer class "Embedding" is not supported');
    expect(r.err).toContain('node "att" (Attention)');
    // A layer with two problems gets both: its activation and its missing weights.
    expect(r.err).toContain('node "d" (Dense): activation "gelu" is not supported');
    expect(r.err).toContain('node "d" (Dense): no weights are stored');
    expect(r.err.trim().split('\n').length).toBe(4);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
