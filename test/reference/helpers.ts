/**
 * @fileoverview Shared helpers for the hls4ml reference tests: where the shared folder is, and how
 * to load a case (model + config + pipeline + emulator), exactly as `fastml emulate` does.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadModel } from '../../src/frontends/index.js';
import { loadConfig } from '../../src/config/load.js';
import type { HlsConfig } from '../../src/config/load.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import type { Graph } from '../../src/ir/graph.js';
import { decodeNpy } from '../../src/io/npy.js';
import type { NdArray } from '../../src/io/npy.js';
import { dataDir } from '../helpers/data.js';

export const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const sharedDir = dataDir;
export const refDir = path.join(sharedDir, 'reference', 'hls4ml');

export function referenceCases(): string[] {
  if (!existsSync(refDir)) throw new Error(`no reference folder at ${refDir} (test/fixtures or FASTML_SHARED_DIR)`);
  return readdirSync(refDir)
    .filter((d) => existsSync(path.join(refDir, d, 'config.yml')) && existsSync(path.join(refDir, d, 'y.npy')))
    .sort();
}

export function readNpy(file: string): NdArray {
  return decodeNpy(new Uint8Array(readFileSync(file)), file);
}

export interface LoadedCase {
  readonly dir: string;
  readonly config: HlsConfig;
  readonly graph: Graph;
  readonly caseYml: any;
}

export async function loadCase(name: string): Promise<LoadedCase> {
  const dir = path.join(refDir, name);
  const config = loadConfig(path.join(dir, 'config.yml'), { baseDir: sharedDir });
  const json = config.modelFiles.kerasJson ?? config.modelFiles.onnx;
  if (!json) throw new Error(`case ${name}: no model in config.yml`);
  const raw = await loadModel(json, config.modelFiles.kerasH5 ? { weights: config.modelFiles.kerasH5 } : {});
  const { graph } = runPipeline(raw, config, { verify: true });
  const caseYml = YAML.parse(readFileSync(path.join(dir, 'case.yml'), 'utf8'));
  return { dir, config, graph, caseYml };
}

/** Parses "X[np.r_[0:500, 1000:1500]]" into row indices. */
export function traceRows(spec: string): number[] {
  const m = /np\.r_\[(.*)\]\]/.exec(spec);
  if (!m) throw new Error(`cannot parse trace rows ${spec}`);
  const rows: number[] = [];
  for (const part of m[1]!.split(',')) {
    const [a, b] = part.split(':').map((s) => Number(s.trim()));
    for (let r = a!; r < b!; r++) rows.push(r);
  }
  return rows;
}
