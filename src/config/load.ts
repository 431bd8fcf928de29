/**
 * @fileoverview Reads an hls4ml configuration (YAML or JSON, or an object already in memory) into
 * a typed `HlsConfig`, collecting warnings for unknown keys (with the closest known key) and for
 * keys hls4ml would silently ignore but fastml honours. Bad values (unparsable type strings,
 * non-integer reuse factors ...) are errors that name the key path.
 *
 * Configurations hls4ml wrote itself are read as they are: its YAML tags (`!keras_model`, pickled
 * Python objects) and the keys about its own run are handled by hls4ml-written.ts.
 *
 * Codes: FML4001 unreadable file, FML4002 syntax error, FML4003 bad type string, FML4004 bad
 * value, FML4010 unknown key (warning), FML4011 key hls4ml ignores (warning, honoured; for table
 * types inside Precision the apply-config pass decides, per layer), FML4015
 * key hls4ml writes that fastml does not apply, FML4016 YAML tag, FML4017 older spelling read.
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
import { ACCELERATOR_KEYS, ACCELERATOR_PRECISION_KEYS, BLOCK_KEYS, closestKey, HLSCONFIG_KEYS, PRECISION_KEYS, TOP_KEYS } from './keys.js';
import type { NotApplied, YamlTag } from './hls4ml-written.js';
import {
  ACCELERATOR_NOT_APPLIED,
  backendNote,
  BLOCK_NOT_APPLIED,
  targetCyclesNote,
  collectTags,
  CONFIG_TAGS,
  HLSCONFIG_NOT_APPLIED,
  KERAS_MODEL_TAG,
  PLAIN_DATA_TAGS,
  shortTag,
  taggedKerasModelPath,
  TOP_NOT_APPLIED,
  writtenByHls4ml,
} from './hls4ml-written.js';

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
  /**
   * OutputDir, resolved: against the file's folder, except in a file hls4ml wrote into its project
   * (`writtenByHls4ml`), where OutputDir is the folder the file is in.
   */
  readonly outputDir?: string;
  /** The file was written by hls4ml's own project writer (it has a Stamp or a !keras_model tag). */
  readonly writtenByHls4ml: boolean;
  readonly raw: Readonly<Record<string, unknown>>;
  readonly warnings: readonly Diagnostic[];
}

export interface LoadConfigOptions {
  /** Directory model paths in the config are relative to (default: the config's directory). */
  readonly baseDir?: string;
  /** YAML tags of the file (loadConfig finds them), by JSON pointer. */
  readonly tags?: readonly YamlTag[];
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
  /** Reports each key of `obj` that `rules` knows as written by hls4ml but not applied by fastml. */
  notApplied(obj: Record<string, unknown>, rules: Readonly<Record<string, (v: unknown) => NotApplied | undefined>>, pointer: string): void {
    for (const [k, v] of Object.entries(obj)) {
      const rule = Object.hasOwn(rules, k) ? rules[k] : undefined;
      const r = rule?.(v);
      if (r) this.warnings.push(diag('FML4015', r.why, this.loc(`${pointer}/${k}`), undefined, r.severity));
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
    this.notApplied(obj, BLOCK_NOT_APPLIED, pointer);
    if (obj['TargetCycles'] !== undefined && obj['TargetCycles'] !== null) {
      const r = targetCyclesNote(obj['TargetCycles'], level);
      this.warnings.push(diag('FML4015', r.why, this.loc(`${pointer}/TargetCycles`), level === 'LayerType' ? undefined : 'set ReuseFactor for the layer, or let fastml choose it for a latency: --reuse auto --budget latency=CYCLES', r.severity));
    }
    const p = obj['Precision'];
    if (typeof p === 'string') {
      const t = this.type(p, `${pointer}/Precision`);
      if (t) precision['default'] = t;
    } else if (isObj(p)) {
      // `maximum` (hls4ml's max_precision: the bound of every inferred type) exists only at Model level.
      this.unknownKeys(p, level === 'Model' ? [...PRECISION_KEYS, 'maximum'] : PRECISION_KEYS, `${pointer}/Precision`, 'Precision');
      // Table slots (table, exp_table ...) in a Precision map are read here but hls4ml ignores them:
      // whether that matters depends on the layer's own default, so the apply-config pass, which
      // knows each layer, warns where the value differs from it (hls4ml 1.x writes the defaults
      // there for every activation, which must not give one warning per layer).
      for (const [k, v] of Object.entries(p)) {
        const t = this.type(v, `${pointer}/Precision/${k}`);
        if (t) precision[k] = t;
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
    // hls4ml sets every layer key as an attribute in snake_case: `table_size` (older config
    // writers' spelling) is TableSize. With both, hls4ml keeps whichever comes last; say so.
    const tsKeys = Object.keys(obj).filter((k) => k === 'TableSize' || k === 'table_size');
    const tsKey = tsKeys[tsKeys.length - 1];
    if (tsKey !== undefined) out.tableSize = this.posInt(obj[tsKey], `${pointer}/${tsKey}`, tsKey, 'maxTableSize');
    if (tsKeys.length > 1 && obj['TableSize'] !== obj['table_size'])
      this.warn('FML4017', `both TableSize (${JSON.stringify(obj['TableSize'])}) and table_size (${JSON.stringify(obj['table_size'])}) are set; like hls4ml, the later one (${tsKey}) is used`, `${pointer}/${tsKey}`, 'keep one of them');
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

/**
 * The object without the values fastml cannot read: a tagged value other than `!keras_model`
 * (a Python object PyYAML pickled into the file, such as a Keras 3 model under KerasModel) is
 * dropped with a warning naming its key, so that it is never read as a path or a setting.
 */
function readTags(r: Reader, obj: Record<string, unknown>, tags: readonly YamlTag[]): Record<string, unknown> {
  let out = obj;
  for (const t of tags) {
    if (PLAIN_DATA_TAGS.has(t.tag)) continue;
    if (t.tag === KERAS_MODEL_TAG && t.pointer === '/KerasModel') continue;
    const keys = t.pointer.split('/').slice(1);
    const python = t.tag.startsWith('tag:yaml.org,2002:python/');
    r.warn(
      'FML4016',
      `${t.pointer} has the YAML tag ${shortTag(t.tag)}${python ? ' (a Python object that PyYAML wrote into the file; fastml cannot read it)' : ', which fastml does not know'}; the value is ignored`,
      t.pointer,
      t.pointer === '/KerasModel' ? 'pass the model file as MODEL with --config (hls4ml keeps a copy of the model, keras_model.keras / .h5, in its project folder)' : undefined,
    );
    if (keys.length === 0) continue;
    // Copy the maps on the path, then drop the tagged value.
    const root: Record<string, unknown> = { ...out };
    let cur: Record<string, unknown> = root;
    for (const k of keys.slice(0, -1)) {
      const next = cur[k];
      if (!isObj(next)) {
        cur = {};
        break;
      }
      cur = cur[k] = { ...next };
    }
    delete cur[keys[keys.length - 1]!];
    out = root;
  }
  return out;
}

/** Builds an HlsConfig from an already-parsed object. */
export function configFromObject(input: unknown, file?: string, opts: LoadConfigOptions = {}): HlsConfig {
  const r = new Reader(file);
  if (!isObj(input)) {
    throw new DiagnosticError([diag('FML4002', 'the configuration must be a map with HLSConfig etc. at the top level', file ? { file } : undefined)], EXIT.USAGE);
  }
  const tags = opts.tags ?? ((input as { [CONFIG_TAGS]?: readonly YamlTag[] })[CONFIG_TAGS] ?? []);
  const kept = readTags(r, input, tags);
  const obj: Record<string, unknown> = tags.length ? { ...kept, [CONFIG_TAGS]: tags } : kept;
  r.unknownKeys(obj, TOP_KEYS, '', 'top-level');
  r.notApplied(obj, TOP_NOT_APPLIED, '');
  const bNote = backendNote(obj['Backend'], obj['AcceleratorConfig'] !== undefined);
  if (bNote) r.warnings.push(diag('FML4015', bNote.why, r.loc('/Backend'), undefined, bNote.severity));
  // AcceleratorConfig is read (backends/accelerator) only with Backend: VivadoAccelerator; there its
  // keys get the same did-you-mean as every other level (with another backend, backendNote says
  // the whole map is not applied).
  const accel = obj['AcceleratorConfig'];
  if (isObj(accel) && String(obj['Backend'] ?? '').toLowerCase() === 'vivadoaccelerator') {
    r.unknownKeys(accel, ACCELERATOR_KEYS, '/AcceleratorConfig', 'AcceleratorConfig');
    r.notApplied(accel, ACCELERATOR_NOT_APPLIED, '/AcceleratorConfig');
    const ap = accel['Precision'];
    if (isObj(ap)) r.unknownKeys(ap, ACCELERATOR_PRECISION_KEYS, '/AcceleratorConfig/Precision', 'AcceleratorConfig Precision');
  }
  const hls = obj['HLSConfig'];
  const hlsObj = isObj(hls) ? hls : {};
  if (hls !== undefined && !isObj(hls)) r.error('FML4004', 'HLSConfig must be a map', '/HLSConfig');
  r.unknownKeys(hlsObj, HLSCONFIG_KEYS, '/HLSConfig', 'HLSConfig');
  r.notApplied(hlsObj, HLSCONFIG_NOT_APPLIED, '/HLSConfig');
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
  const hls4mlWrote = writtenByHls4ml(obj, tags);
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
  const kerasTag = tags.find((t) => t.pointer === '/KerasModel' && t.tag === KERAS_MODEL_TAG);
  if (kerasTag && typeof obj['KerasModel'] === 'string') {
    modelFiles.kerasModel = taggedKerasModelPath(base, obj['KerasModel']);
    r.warnings.push(
      diag(
        'FML4016',
        `KerasModel: !keras_model ${JSON.stringify(obj['KerasModel'])} is where hls4ml saved the Keras model when it wrote this file into its project folder (OutputDir); fastml reads it from beside this file: ${modelFiles.kerasModel}`,
        r.loc('/KerasModel'),
        undefined,
        'info',
      ),
    );
  }
  const outDir = typeof obj['OutputDir'] === 'string' && obj['OutputDir'] !== '' ? (obj['OutputDir'] as string) : undefined;
  let outputDir = outDir !== undefined ? path.resolve(base, outDir) : undefined;
  if (outDir !== undefined && hls4mlWrote && file) {
    // hls4ml wrote this file into OutputDir itself: that is the folder the file is in.
    outputDir = path.dirname(path.resolve(file));
    r.warnings.push(
      diag('FML4015', `OutputDir ${JSON.stringify(outDir)} is the hls4ml project this file was written into (${outputDir}); compile writes there only into an empty or fastml-written folder`, r.loc('/OutputDir'), 'give compile -o DIR to write elsewhere', 'info'),
    );
  }
  // Older hls4ml spelled the FPGA part XilinxPart.
  const partKey = typeof obj['Part'] === 'string' ? 'Part' : typeof obj['XilinxPart'] === 'string' ? 'XilinxPart' : undefined;
  if (partKey === 'XilinxPart') r.warnings.push(diag('FML4017', `XilinxPart (older hls4ml's name for Part) read as Part: ${obj['XilinxPart'] as string}`, r.loc('/XilinxPart'), undefined, 'info'));
  if (partKey === 'Part' && typeof obj['XilinxPart'] === 'string' && obj['XilinxPart'] !== obj['Part'])
    r.warn('FML4017', `XilinxPart ${JSON.stringify(obj['XilinxPart'])} differs from Part ${JSON.stringify(obj['Part'])}; Part is used`, '/XilinxPart', 'keep one of them');
  if (r.errors.length) throw new DiagnosticError([...r.errors, ...r.warnings], EXIT.USAGE);
  const cp = obj['ClockPeriod'];
  return {
    ...(file ? { file } : {}),
    backend: String(obj['Backend'] ?? 'Vivado'),
    ...(partKey ? { part: obj[partKey] as string } : {}),
    ...(typeof cp === 'number' || (typeof cp === 'string' && cp.trim() !== '' && !Number.isNaN(Number(cp))) ? { clockPeriod: Number(cp) } : {}),
    ioType,
    model,
    layerType,
    layerName,
    modelFiles,
    ...(outputDir !== undefined ? { outputDir } : {}),
    writtenByHls4ml: hls4mlWrote,
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
  let tags: YamlTag[] = [];
  try {
    // YAML is a superset of JSON, so one parser serves both; JSON errors still read well.
    if (file.toLowerCase().endsWith('.json')) obj = JSON.parse(text);
    else {
      // As a document, so that hls4ml's tags (KerasModel: !keras_model ...) are found and reported
      // with their key instead of being printed by the parser as process warnings.
      const Y = yaml();
      const doc = Y.parseDocument(text);
      if (doc.errors.length) throw doc.errors[0];
      tags = collectTags(Y.visit as never, doc);
      obj = doc.toJS();
    }
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
  return configFromObject(obj, file, { ...opts, tags });
}

/** hls4ml's behaviour without a configuration: every type fixed<16,6>, Latency, RF 1. */
export function defaultConfig(): HlsConfig {
  return configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>', ReuseFactor: 1, Strategy: 'Latency' } } });
}
