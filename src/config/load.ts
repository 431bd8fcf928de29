/**
 * @fileoverview Reads an hls4ml configuration (YAML or JSON, or an object already in memory) into
 * a typed `HlsConfig`, collecting warnings for unknown keys (with the closest known key) and for
 * keys hls4ml would silently ignore but fastml honours. Bad values (unparsable type strings,
 * non-integer reuse factors ...) are errors that name the key path.
 *
 * Codes: FML4001 unreadable file, FML4002 syntax error, FML4003 bad type string, FML4004 bad
 * value, FML4010 unknown key (warning), FML4011 key hls4ml ignores (warning, honoured).
 */

import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { readUserFile } from '../io/files.js';
import { LIMITS, nestingDepth, overLimit } from '../diagnostics/limits.js';
import type { LimitName } from '../diagnostics/limits.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { DiagnosticError, diag, EXIT } from '../diagnostics/diagnostic.js';
import type { TypeSpec } from '../fixed/type.js';
import { parseType, FixedTypeError } from '../fixed/type.js';
import type { Strategy } from '../ir/graph.js';
import { BLOCK_KEYS, closestKey, GET_PRECISION_SLOTS, HLSCONFIG_KEYS, PRECISION_KEYS, TOP_KEYS } from './keys.js';

/** One Model / LayerType / LayerName block. */
export interface LevelConfig {
  /** Precision map entries (a plain string Precision is stored as `default`). */
  readonly precision: Readonly<Record<string, TypeSpec>>;
  /** Direct `*_t` keys of the block, by slot name without `_t` (e.g. table, exp_table, accum). */
  readonly directTypes: Readonly<Record<string, TypeSpec>>;
  readonly reuseFactor?: number;
  readonly strategy?: Strategy;
  readonly tableSize?: number;
  readonly implementation?: string;
  /**
   * `Strategy` naming a softmax implementation: older hls4ml chose the softmax implementation with
   * the layer's Strategy (Stable, Latency, Argmax, Legacy). Stable, Argmax and Legacy are no
   * strategy of any other layer, so they are read that way for softmax layers when no
   * `Implementation` is given; Latency stays the ordinary strategy (current hls4ml's reading).
   */
  readonly softmaxStrategy?: 'stable' | 'argmax' | 'legacy';
  readonly trace?: boolean;
  /** Every key as written, for keys fastml does not interpret. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** JSON pointer of the block, for diagnostics. */
  readonly pointer: string;
}

export interface HlsConfig {
  readonly file?: string;
  readonly backend: string;
  readonly part?: string;
  readonly clockPeriod?: number;
  readonly ioType: 'io_parallel' | 'io_stream';
  readonly model: LevelConfig;
  /** By lower-cased layer class name. */
  readonly layerType: ReadonlyMap<string, LevelConfig & { readonly key: string }>;
  /** By lower-cased layer name. */
  readonly layerName: ReadonlyMap<string, LevelConfig & { readonly key: string }>;
  /** Model files named in the config (KerasJson, KerasH5, OnnxModel ...), resolved against `baseDir`. */
  readonly modelFiles: Readonly<{ kerasJson?: string; kerasH5?: string; kerasModel?: string; onnx?: string }>;
  readonly raw: Readonly<Record<string, unknown>>;
  readonly warnings: readonly Diagnostic[];
}

export interface LoadConfigOptions {
  /** Directory model paths in the config are relative to (default: the config's directory). */
  readonly baseDir?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Reader {
  readonly warnings: Diagnostic[] = [];
  readonly errors: Diagnostic[] = [];
  constructor(readonly file: string | undefined) {}

  loc(pointer: string) {
    return { ...(this.file ? { file: this.file } : {}), jsonPointer: pointer };
  }
  warn(code: string, msg: string, pointer: string, hint?: string): void {
    this.warnings.push(diag(code, msg, this.loc(pointer), hint, 'warning'));
  }
  error(code: string, msg: string, pointer: string, hint?: string): void {
    this.errors.push(diag(code, msg, this.loc(pointer), hint));
  }
  unknownKeys(obj: Record<string, unknown>, known: readonly string[], pointer: string, what: string, allowTypeKeys = false): void {
    for (const k of Object.keys(obj)) {
      if (known.includes(k)) continue;
      if (allowTypeKeys && k.endsWith('_t')) continue;
      const ci = known.find((c) => c.toLowerCase() === k.toLowerCase());
      const near = ci ?? closestKey(k, known);
      this.warn(
        'FML4010',
        `unknown ${what} key "${k}"${ci ? ' (keys are case-sensitive in hls4ml)' : ''}; hls4ml ignores it and so does fastml`,
        `${pointer}/${k}`,
        near ? `did you mean "${near}"?` : `known keys: ${known.join(', ')}`,
      );
    }
  }
  type(v: unknown, pointer: string): TypeSpec | undefined {
    if (typeof v !== 'string') {
      this.error('FML4003', `expected a type string such as "fixed<16,6>" or "auto", got ${JSON.stringify(v)}`, pointer);
      return undefined;
    }
    try {
      return parseType(v);
    } catch (e) {
      // In a YAML flow map ({table: fixed<12,4>}) the comma splits the type: say so.
      const split = v.includes('<') && !v.includes('>');
      this.error('FML4003', e instanceof FixedTypeError ? e.message : String(e), pointer, split ? 'inside {...} YAML splits at commas: quote the type ("fixed<12,4>") or use block style' : undefined);
      return undefined;
    }
  }
  posInt(v: unknown, pointer: string, what: string, limit?: LimitName): number | undefined {
    const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      this.error('FML4004', `${what} must be a positive integer, got ${JSON.stringify(v)}`, pointer);
      return undefined;
    }
    if (limit && n > LIMITS[limit]) {
      this.error('FML0020', `${what} ${n} is over fastml's limit ${limit} = ${LIMITS[limit]}`, pointer);
      return undefined;
    }
    return n;
  }

  block(obj: unknown, pointer: string, level: 'Model' | 'LayerType' | 'LayerName'): LevelConfig {
    const precision: Record<string, TypeSpec> = {};
    const directTypes: Record<string, TypeSpec> = {};
    const out: { -readonly [K in keyof LevelConfig]?: LevelConfig[K] } = { pointer, precision, directTypes, raw: isObj(obj) ? obj : {} };
    if (!isObj(obj)) {
      if (obj !== null && obj !== undefined) this.error('FML4004', `a ${level} block must be a map, got ${JSON.stringify(obj)}`, pointer);
      return out as LevelConfig;
    }
    this.unknownKeys(obj, BLOCK_KEYS, pointer, `${level} block`, true);
    const p = obj['Precision'];
    if (typeof p === 'string') {
      const t = this.type(p, `${pointer}/Precision`);
      if (t) precision['default'] = t;
    } else if (isObj(p)) {
      // `maximum` (hls4ml's max_precision: the bound of every inferred type) exists only at Model level.
      this.unknownKeys(p, level === 'Model' ? [...PRECISION_KEYS, 'maximum'] : PRECISION_KEYS, `${pointer}/Precision`, 'Precision');
      for (const [k, v] of Object.entries(p)) {
        const t = this.type(v, `${pointer}/Precision/${k}`);
        if (!t) continue;
        precision[k] = t;
        if (k !== 'maximum' && !GET_PRECISION_SLOTS.has(k) && (PRECISION_KEYS as readonly string[]).includes(k)) {
          this.warn(
            'FML4011',
            `Precision "${k}" is ignored by hls4ml (it only reads table types from a direct "${k}_t" key); fastml honours it, so fastml's numbers will differ from hls4ml's if the value differs from hls4ml's default`,
            `${pointer}/Precision/${k}`,
            `write "${k}_t: ${typeof v === 'string' ? v : '...'}" in the layer block to get the same behaviour in both tools`,
          );
        }
      }
    } else if (p !== undefined) {
      this.error('FML4004', `Precision must be a type string or a map, got ${JSON.stringify(p)}`, `${pointer}/Precision`);
    }
    for (const [k, v] of Object.entries(obj)) {
      if (!k.endsWith('_t')) continue;
      const t = this.type(v, `${pointer}/${k}`);
      if (t) directTypes[k.slice(0, -2)] = t;
      // hls4ml merges only the LayerType and LayerName blocks into a layer's attributes.
      if (t && level === 'Model')
        this.warn('FML4011', `"${k}" in the Model block is ignored by hls4ml (it reads *_t keys only from LayerType / LayerName blocks); fastml applies it to every layer with that slot`, `${pointer}/${k}`, 'move it to a LayerType or LayerName block to get the same behaviour in both tools');
    }
    if (obj['ReuseFactor'] !== undefined) out.reuseFactor = this.posInt(obj['ReuseFactor'], `${pointer}/ReuseFactor`, 'ReuseFactor');
    if (obj['TableSize'] !== undefined) out.tableSize = this.posInt(obj['TableSize'], `${pointer}/TableSize`, 'TableSize', 'maxTableSize');
    const s = obj['Strategy'];
    if (s !== undefined) {
      const low = String(s).toLowerCase();
      if (low === 'latency' || low === 'resource') out.strategy = low;
      else if (low === 'stable' || low === 'argmax' || low === 'legacy') {
        out.softmaxStrategy = low;
        this.warn(
          'FML4013',
          `Strategy "${s}" is how older hls4ml versions chose the softmax implementation; read as Implementation: ${low} for softmax layers (other layers keep their strategy)`,
          `${pointer}/Strategy`,
          `write "Implementation: ${low}" (current hls4ml) to say the same thing`,
        );
      } else if (low === 'resource_unrolled' || low === 'distributed_arithmetic') {
        this.warn('FML4010', `Strategy "${s}" is not supported by fastml; using Resource numerics (same accumulation order)`, `${pointer}/Strategy`);
        out.strategy = 'resource';
      } else this.error('FML4004', `Strategy must be Latency or Resource, got ${JSON.stringify(s)}`, `${pointer}/Strategy`, 'one of: Latency, Resource (and on softmax layers, as older hls4ml: Stable, Argmax, Legacy)');
    }
    const impl = obj['Implementation'];
    if (impl !== undefined) {
      const low = String(impl).toLowerCase();
      const known = ['stable', 'latency', 'legacy', 'argmax'];
      if (!known.includes(low)) {
        const near = closestKey(low, known);
        this.error('FML4004', `Implementation must be one of ${known.join(', ')}, got ${JSON.stringify(impl)}`, `${pointer}/Implementation`, near ? `did you mean "${near}"?` : undefined);
      } else out.implementation = low;
    }
    if (obj['Trace'] !== undefined) out.trace = Boolean(obj['Trace']);
    return out as LevelConfig;
  }
}

/** Builds an HlsConfig from an already-parsed object. */
export function configFromObject(obj: unknown, file?: string, opts: LoadConfigOptions = {}): HlsConfig {
  const r = new Reader(file);
  if (!isObj(obj)) {
    throw new DiagnosticError([diag('FML4002', 'the configuration must be a map with HLSConfig etc. at the top level', file ? { file } : undefined)], EXIT.USAGE);
  }
  r.unknownKeys(obj, TOP_KEYS, '', 'top-level');
  const hls = obj['HLSConfig'];
  const hlsObj = isObj(hls) ? hls : {};
  if (hls !== undefined && !isObj(hls)) r.error('FML4004', 'HLSConfig must be a map', '/HLSConfig');
  r.unknownKeys(hlsObj, HLSCONFIG_KEYS, '/HLSConfig', 'HLSConfig');
  const model = r.block(hlsObj['Model'] ?? {}, '/HLSConfig/Model', 'Model');
  const level = (key: 'LayerType' | 'LayerName'): Map<string, LevelConfig & { key: string }> => {
    const m = new Map<string, LevelConfig & { key: string }>();
    const v = hlsObj[key];
    if (v === undefined || v === null) return m;
    if (!isObj(v)) {
      r.error('FML4004', `${key} must be a map from ${key === 'LayerType' ? 'layer class' : 'layer name'} to a block`, `/HLSConfig/${key}`);
      return m;
    }
    for (const [k, b] of Object.entries(v)) m.set(k.toLowerCase(), { ...r.block(b, `/HLSConfig/${key}/${k}`, key), key: k });
    return m;
  };
  const layerType = level('LayerType');
  const layerName = level('LayerName');
  const io = String(obj['IOType'] ?? 'io_parallel');
  let ioType: 'io_parallel' | 'io_stream' = 'io_parallel';
  if (io === 'io_stream' || io === 'io_parallel') ioType = io;
  else r.error('FML4004', `IOType must be io_parallel or io_stream, got ${JSON.stringify(obj['IOType'])}`, '/IOType');
  const base = opts.baseDir ?? (file ? path.dirname(file) : process.cwd());
  const rel = (k: string): string | undefined => (typeof obj[k] === 'string' ? path.resolve(base, obj[k] as string) : undefined);
  const modelFiles: { kerasJson?: string; kerasH5?: string; kerasModel?: string; onnx?: string } = {};
  for (const [k, f] of [
    ['KerasJson', 'kerasJson'],
    ['KerasH5', 'kerasH5'],
    ['KerasModel', 'kerasModel'],
    ['OnnxModel', 'onnx'],
  ] as const) {
    const v = rel(k);
    if (v) modelFiles[f] = v;
  }
  if (r.errors.length) throw new DiagnosticError([...r.errors, ...r.warnings], EXIT.USAGE);
  const cp = obj['ClockPeriod'];
  return {
    ...(file ? { file } : {}),
    backend: String(obj['Backend'] ?? 'Vivado'),
    ...(typeof obj['Part'] === 'string' ? { part: obj['Part'] } : {}),
    ...(typeof cp === 'number' || (typeof cp === 'string' && cp.trim() !== '' && !Number.isNaN(Number(cp))) ? { clockPeriod: Number(cp) } : {}),
    ioType,
    model,
    layerType,
    layerName,
    modelFiles,
    raw: obj,
    warnings: r.warnings,
  };
}

/**
 * The YAML parser, loaded on first use: it takes ~0.1-0.2 s to load, and most runs (no --config,
 * or a JSON one) never need it. `require` of its CommonJS build skips the ESM export scan.
 */
let yamlMod: typeof import('yaml') | undefined;
function yaml(): typeof import('yaml') {
  return (yamlMod ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}

/** Reads a YAML or JSON hls4ml configuration file. */
export function loadConfig(file: string, opts: LoadConfigOptions = {}): HlsConfig {
  const text = new TextDecoder().decode(readUserFile(file, 'FML4001', 'configuration file'));
  let obj: unknown;
  try {
    // YAML is a superset of JSON, so one parser serves both; JSON errors still read well.
    obj = file.toLowerCase().endsWith('.json') ? JSON.parse(text) : yaml().parse(text);
  } catch (e) {
    // The parsers recurse per nesting level: a deep document ends as a stack overflow.
    if (e instanceof RangeError || /Maximum call stack/.test(String((e as Error)?.message))) overLimit('maxNestingDepth', 'the nesting of the configuration', { file });
    const err = e as Error & { linePos?: Array<{ line: number; col: number }> };
    const lp = err.linePos?.[0];
    throw new DiagnosticError(
      [diag('FML4002', `not valid ${file.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML'}: ${err.message.split('\n')[0]}`, { file, ...(lp ? { line: lp.line, col: lp.col } : {}) })],
      EXIT.USAGE,
    );
  }
  if (nestingDepth(obj) > LIMITS.maxNestingDepth) overLimit('maxNestingDepth', 'the nesting of the configuration', { file });
  return configFromObject(obj, file, opts);
}

/** hls4ml's behaviour without a configuration: every type fixed<16,6>, Latency, RF 1. */
export function defaultConfig(): HlsConfig {
  return configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>', ReuseFactor: 1, Strategy: 'Latency' } } });
}
