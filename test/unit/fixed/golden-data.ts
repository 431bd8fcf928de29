/**
 * @fileoverview Reads the ap_fixed golden vectors (FASTML_GOLDEN_DIR, default golden/ap_fixed in the
 * test data folder: test/fixtures or FASTML_SHARED_DIR; plain .jsonl or gzipped .jsonl.gz) for the TypeScript and the C++ golden harnesses.
 */

import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { fixedType, type FixedType, type OMode, type QMode } from '../../../src/fixed/index.js';
import { dataDir } from '../../helpers/data.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function sharedDir(): string {
  return dataDir;
}

export function goldenDir(): string {
  return process.env.FASTML_GOLDEN_DIR ?? path.join(sharedDir(), 'golden/ap_fixed');
}

/** A type object of the golden files: {w, i, s, q?, o?, n?}. */
export interface GoldenType {
  w: number;
  i: number;
  s: boolean;
  q?: string;
  o?: string;
  n?: number;
}

export function toFixedType(g: GoldenType): FixedType {
  return fixedType(g.w, g.i, g.s, (g.q ?? 'AP_TRN') as QMode, (g.o ?? 'AP_WRAP') as OMode, g.n ?? 0);
}

export type GoldenCase = Record<string, any> & { id: string };

/** Every *.jsonl file of the golden folder, by base name (cast_double, cast_fixed, arith, dot, ...). */
export function readGolden(): Map<string, GoldenCase[]> {
  const dir = goldenDir();
  const out = new Map<string, GoldenCase[]>();
  for (const f of fs.readdirSync(dir).filter((f) => /\.jsonl(\.gz)?$/.test(f)).sort()) {
    const raw = fs.readFileSync(path.join(dir, f));
    const text = (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const name = f.replace(/\.jsonl(\.gz)?$/, '');
    if (out.has(name)) throw new Error(`golden folder ${dir} has both ${name}.jsonl and ${name}.jsonl.gz`);
    out.set(name, lines.map((l) => JSON.parse(l) as GoldenCase));
  }
  return out;
}

export type GoldenKind = 'cast_double' | 'cast_fixed' | 'arith' | 'dot';

/**
 * Which kind of case a file holds: from its name when it contains one of the four kinds (holdout
 * sets may be named e.g. arith_holdout), otherwise from the fields of its first case.
 */
export function kindOf(name: string, first?: GoldenCase): GoldenKind | undefined {
  for (const k of ['cast_double', 'cast_fixed', 'arith', 'dot'] as const) if (name.includes(k)) return k;
  if (!first) return undefined;
  if ('in_bits' in first) return 'cast_double';
  if ('src_raw' in first) return 'cast_fixed';
  if ('op' in first && 'a_raw' in first) return 'arith';
  if ('x_raw' in first) return 'dot';
  return undefined;
}
