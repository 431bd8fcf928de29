/**
 * @fileoverview Shared setup for the emulator benchmarks: load a reference case (model + hls4ml
 * config + inputs) from test/fixtures (or FASTML_SHARED_DIR) through the built fastml (dist/), as `fastml emulate` does.
 */

import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(here, '../..');
// The test data folder (test/fixtures), or FASTML_SHARED_DIR when set.
export const sharedDir = process.env.FASTML_SHARED_DIR ? path.resolve(process.env.FASTML_SHARED_DIR) : path.join(projectRoot, 'test', 'fixtures');
const dist = (p) => import(path.join(projectRoot, 'dist', p));

export async function loadCase(name) {
  const { loadConfig } = await dist('config/load.js');
  const { loadModel } = await dist('frontends/index.js');
  const { runPipeline } = await dist('passes/pipeline.js');
  const { decodeNpy } = await dist('io/npy.js');
  const dir = path.join(sharedDir, 'reference', 'hls4ml', name);
  const config = loadConfig(path.join(dir, 'config.yml'), { baseDir: sharedDir });
  const raw = await loadModel(config.modelFiles.kerasJson, { weights: config.modelFiles.kerasH5 });
  const { graph } = runPipeline(raw, config);
  const X = decodeNpy(new Uint8Array(readFileSync(path.join(dir, 'X.npy'))));
  const Y = decodeNpy(new Uint8Array(readFileSync(path.join(dir, 'y.npy'))));
  return { dir, graph, X, Y };
}

export { dist };
