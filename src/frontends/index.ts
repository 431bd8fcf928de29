/**
 * @fileoverview Model loading: picks the frontend by file content / extension and returns the IR.
 * Frontends are imported lazily so that commands that do not need them start fast.
 */

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Graph } from '../ir/graph.js';
import { fail } from '../diagnostics/diagnostic.js';

export interface LoadOptions {
  /** Keras: explicit weights file for an architecture .json. */
  readonly weights?: string;
}

export type ModelFormat = 'onnx' | 'keras-h5' | 'keras-json' | 'keras-v3';

export function detectFormat(file: string): ModelFormat {
  const ext = path.extname(file).toLowerCase();
  switch (ext) {
    case '.onnx':
      return 'onnx';
    case '.h5':
    case '.hdf5':
      return 'keras-h5';
    case '.json':
      return 'keras-json';
    case '.keras':
      return 'keras-v3';
    default:
      fail('FML0002', `unknown model format "${ext || '(no extension)'}"`, { file }, 'fastml reads .onnx, .h5/.hdf5 (Keras), .json (+ weights .h5) and .keras files');
  }
}

export async function loadModel(file: string, opts: LoadOptions = {}): Promise<Graph> {
  if (!existsSync(file)) fail('FML0001', 'no such file', { file });
  if (!statSync(file).isFile()) fail('FML0001', 'not a regular file', { file });
  const format = detectFormat(file);
  if (format === 'onnx') {
    const { loadOnnx } = await import('./onnx/index.js');
    return loadOnnx(file);
  }
  const { loadKeras } = await import('./keras/index.js');
  return loadKeras(file, opts);
}
