/**
 * @fileoverview `fastml config MODEL [--granularity model|type|name] [-o cfg.yml]`: writes a
 * starting configuration in hls4ml's format (what hls4ml's config_from_*_model produce), filled with
 * the values fastml would use, and commented so a user knows what to edit.
 *
 * - model: one Model block (default precision, reuse factor, strategy).
 * - type: plus a LayerType block per layer class in the model.
 * - name: plus a LayerName block per layer, with the precision slots the layer uses (no `bias` for
 *   a layer without one, as hls4ml): the model's
 *   own quantizer types where it has quantizers (QKeras / QONNX), `auto` for accumulators and
 *   results that inference sizes exactly, and fixed<16,6,RND,SAT> for a layer that feeds a softmax
 *   (an inferred, very wide type there is the softmax trap of NUMERICS.md).
 * The file loads back with fastml's (and hls4ml's) config reader.
 */

import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { resolvePath } from '../context.js';
import type { Graph, Layer } from '../../ir/graph.js';
import type { TypeSpec } from '../../fixed/type.js';

export type Granularity = 'model' | 'type' | 'name';

interface ConfigFlags {
  granularity?: string;
  output?: string;
  weights?: string;
  reuse?: string;
  strategy?: string;
  precision?: string;
  part?: string;
  ioType?: string;
  io?: string;
  target?: string;
  budget?: string;
  maxPrecision?: string;
}

export interface ConfigOptions {
  readonly granularity: Granularity;
  readonly defaultPrecision: string;
  readonly reuseFactor: number;
  readonly strategy: 'Latency' | 'Resource';
  readonly part: string;
  readonly ioType: 'io_parallel' | 'io_stream';
  readonly modelFile?: string;
  /** Per-layer reuse factors chosen by `--reuse auto --budget` (name granularity). */
  readonly chosenReuse?: Readonly<Record<string, number>>;
  /** One line about the budget, for the header comment. */
  readonly reuseNote?: string;
  /** `Model: Precision: maximum` (bounds every inferred type) and why. */
  readonly maximum?: { readonly type: string; readonly why: string };
}

/** YAML scalar: plain when safe, double-quoted otherwise. */
function y(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.\-<>,]*$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) ? s : JSON.stringify(s);
}

/** Slots a config block may set for a layer (hls4ml's Precision keys for that class). */
const MAC_OPS = new Set(['Dense', 'Conv', 'DepthwiseConv']);
/** Slots hls4ml reads only from a direct `<slot>_t` key of the block. */
const TABLE_SLOTS = new Set(['table', 'exp_table', 'inv_table', 'inv_inp']);

/**
 * The precision slots a layer actually uses: the slots of its class (slotsFor) less a `bias` it does
 * not have (a Dense / Conv without bias, a scale layer the frontend inserted that only scales) and a
 * `scale` a ScaleBias does not have (a bias-only Add). hls4ml gives a missing bias its own 1-bit
 * type and never reads the configuration for it, and fastml's kernels never read such a type, so
 * listing the slot would only invite an edit that changes nothing. Layers whose kernels
 * substitute ones or zeros (LayerNorm, recurrent layers) keep their slots: the type is still used.
 */
export function slotsUsed(l: Layer, slots: readonly string[]): string[] {
  const op = l.attrs.op;
  const hasBiasSlot = MAC_OPS.has(op) || op === 'ScaleBias';
  return slots.filter((s) => {
    if (s === 'bias' && hasBiasSlot) return l.weights.bias !== undefined;
    if (s === 'scale' && op === 'ScaleBias') return l.weights.scale !== undefined;
    return true;
  });
}

/**
 * The values fastml would use for each precision slot of a layer at name granularity, with a
 * comment saying why.
 */
export function layerValues(g: Graph, l: Layer, slots: readonly string[], dflt: string, fmt: (t: TypeSpec) => string): { slot: string; value: string; why: string }[] {
  const feedsSoftmax = g.layers.some((c) => c.attrs.op === 'Softmax' && c.inputs.includes(l.outputs[0]!));
  const out: { slot: string; value: string; why: string }[] = [];
  for (const slot of slots) {
    const fromModel = l.precision[slot];
    if (fromModel !== undefined && fromModel !== 'auto') {
      out.push({ slot, value: fmt(fromModel), why: "from the model's quantizer" });
      continue;
    }
    if (l.attrs.op === 'ScaleBias' && l.attrs.alpha && (slot === 'scale' || slot === 'bias') && l.weights[slot]) {
      out.push({ slot, value: 'auto', why: 'sized to the constants: exact in 24 bits, else rounded with the error bound reported (FML6505)' });
      continue;
    }
    if (fromModel === 'auto' && slot === 'result' && l.attrs.op === 'Activation') {
      out.push({ slot, value: 'auto', why: 'the model rounds nowhere here (split-scales): exact' });
      continue;
    }
    if (slot === 'result' && feedsSoftmax) {
      out.push({ slot, value: 'fixed<16,6,RND,SAT>', why: 'feeds a softmax: an inferred (wide) type would make its exp table useless' });
      continue;
    }
    if (MAC_OPS.has(l.attrs.op) && (slot === 'accum' || slot === 'result')) {
      out.push({ slot, value: 'auto', why: 'inferred exactly from input and weight types' });
      continue;
    }
    if ((l.attrs.op === 'BatchNorm' || l.attrs.op === 'ScaleBias') && slot === 'result') {
      out.push({ slot, value: 'auto', why: 'inferred exactly from input, scale and bias types' });
      continue;
    }
    if (l.attrs.op === 'Activation' && l.attrs.activation === 'linear' && slot === 'result') {
      out.push({ slot, value: 'auto', why: 'same as its input: the linear layer is then removed' });
      continue;
    }
    if (slot === 'table') {
      out.push({ slot, value: 'fixed<18,8>', why: "hls4ml's table default" });
      continue;
    }
    if (slot === 'exp_table' || slot === 'inv_table' || slot === 'inv_inp') {
      out.push({ slot, value: 'fixed<18,8,RND,SAT>', why: "hls4ml's softmax default" });
      continue;
    }
    if (slot === 'inp_norm') continue;
    out.push({ slot, value: dflt, why: 'model default' });
  }
  return out;
}

/** The configuration as commented YAML. `g` should have been through quantize-model. */
export async function configYaml(g: Graph, o: ConfigOptions): Promise<string> {
  const { slotsFor, hlsClassOf } = await import('../../config/resolve.js');
  const { formatHls4ml } = await import('../../fixed/type.js');
  const L: string[] = [];
  L.push(`# hls4ml configuration written by fastml config (granularity: ${o.granularity})`);
  if (o.modelFile) L.push(`# model: ${o.modelFile}`);
  L.push('# Precisions: fixed<W,I[,Q,O,N]> / ufixed<...> / int<W> / auto (inferred: wide enough never to round).');
  L.push('# The most specific entry wins: LayerName, then LayerType, then Model.');
  if (o.reuseNote) L.push(`# ${o.reuseNote}`);
  L.push('Backend: Vivado');
  L.push(`Part: ${y(o.part)}`);
  L.push('ClockPeriod: 5');
  L.push(`IOType: ${o.ioType}`);
  L.push('HLSConfig:');
  L.push('  Model:');
  L.push('    Precision:');
  L.push(`      default: ${y(o.defaultPrecision)}   # every type not set below`);
  if (o.maximum) L.push(`      maximum: ${y(o.maximum.type)}   # ${o.maximum.why}`);
  L.push(`    ReuseFactor: ${o.reuseFactor}   # multiplications sharing one multiplier (Resource strategy: see the valid values fastml lists)`);
  L.push(`    Strategy: ${o.strategy}   # Latency (fully parallel) or Resource (weights in memory, larger reuse factors)`);
  L.push('    BramFactor: 1000000000');
  L.push('    TraceOutput: false');
  if (o.granularity === 'type') {
    L.push('  LayerType:');
    const seen = new Set<string>();
    for (const l of g.layers) {
      const cls = hlsClassOf(l);
      if (seen.has(cls) || l.attrs.op === 'Quant') continue;
      seen.add(cls);
      L.push(`    ${y(cls)}:`);
      L.push('      Precision:');
      const tables: string[] = [];
      for (const slot of slotsFor(l).filter((s) => s !== 'inp_norm')) {
        if (TABLE_SLOTS.has(slot)) {
          tables.push(`      ${slot}_t: ${y(slot === 'table' ? 'fixed<18,8>' : 'fixed<18,8,RND,SAT>')}`);
          continue;
        }
        const v = MAC_OPS.has(l.attrs.op) && (slot === 'accum' || slot === 'result') ? 'auto' : o.defaultPrecision;
        L.push(`        ${slot}: ${y(v)}`);
      }
      L.push(...tables);
      if (MAC_OPS.has(l.attrs.op)) L.push(`      ReuseFactor: ${o.reuseFactor}`);
      if (slotsFor(l).includes('table') || l.attrs.op === 'Softmax') L.push('      TableSize: 1024');
      if (l.attrs.op === 'Softmax') L.push('      Implementation: stable   # stable, latency, legacy or argmax');
    }
  }
  if (o.granularity === 'name') {
    L.push('  LayerName:');
    for (const l of g.layers) {
      L.push(`    ${y(l.name)}:   # ${hlsClassOf(l)}${l.source?.opType && l.source.opType !== hlsClassOf(l) ? ` (${l.source.opType})` : ''}`);
      L.push('      Trace: false');
      L.push('      Precision:');
      const vals = layerValues(g, l, slotsUsed(l, slotsFor(l)), o.defaultPrecision, formatHls4ml);
      for (const v of vals.filter((x) => !TABLE_SLOTS.has(x.slot))) L.push(`        ${v.slot}: ${y(v.value)}   # ${v.why}`);
      // Table types go in direct *_t keys: hls4ml ignores them inside Precision.
      for (const v of vals.filter((x) => TABLE_SLOTS.has(x.slot))) L.push(`      ${v.slot}_t: ${y(v.value)}   # ${v.why}`);
      const rf = o.chosenReuse?.[l.name];
      if (MAC_OPS.has(l.attrs.op)) L.push(`      ReuseFactor: ${rf ?? o.reuseFactor}${rf !== undefined ? '   # chosen for the budget' : ''}`);
      if (slotsFor(l).includes('table') || l.attrs.op === 'Softmax') L.push('      TableSize: 1024');
      if (l.attrs.op === 'Softmax') L.push(`      Implementation: ${l.attrs.implementation ?? 'stable'}`);
    }
  }
  return L.join('\n') + '\n';
}

/**
 * The `maximum` written into the Model block when the configuration has `auto` types.
 *
 * hls4ml's inference (and fastml's) sizes an `auto` type never to round, from the operand *types*:
 * a convolution of 16-bit values needs ~38 bits, and a BatchNorm after it multiplies that by its
 * 16-bit scale, giving 55-57 bit results whose extra fraction bits no later layer keeps. The bound
 * keeps every integer bit that inference asks for (so it adds no overflow) and limits the fraction
 * to what one product of the configuration's concrete types has (2 x their finest fraction: 20 bits
 * for fixed<16,6>), i.e. it truncates only below an LSB of the products the model computes.
 * `--max-precision T` writes T instead, `none` writes no bound.
 */
async function maximumFor(
  g0: Graph,
  g: Graph,
  base: ConfigOptions,
  flag: string | undefined,
  fail: (code: string, msg: string) => never,
): Promise<{ type: string; why: string } | undefined> {
  const { parseType, fracBits, isAuto } = await import('../../fixed/type.js');
  if (flag !== undefined) {
    if (flag.toLowerCase() === 'none') return undefined;
    try {
      parseType(flag);
      return { type: flag.trim(), why: 'from --max-precision: no inferred (auto) type is wider, or has more integer bits' };
    } catch (e) {
      return fail('FML6567', `--max-precision: ${(e as Error).message}`);
    }
  }
  if (base.granularity === 'model') return undefined;
  const { runPipeline } = await import('../../passes/pipeline.js');
  const { configFromObject } = await import('../../config/load.js');
  const YAML = (await import('yaml')).default;
  const r = runPipeline(g0, configFromObject(YAML.parse(await configYaml(g, base))));
  // The finest fraction among the concrete types: the default and the model's own quantizers.
  let f = fracBits(parseType(base.defaultPrecision) as Exclude<ReturnType<typeof parseType>, 'auto'>);
  for (const l of g.layers) for (const t of Object.values(l.precision)) if (t !== undefined && !isAuto(t)) f = Math.max(f, fracBits(t));
  let iMax = 0;
  let wMax = 0;
  for (const l of r.graph.layers)
    for (const t of Object.values(l.precision))
      if (t !== undefined && !isAuto(t)) {
        // hls4ml's clamp gives the bounded type the maximum's sign: an unsigned type needs one more bit.
        iMax = Math.max(iMax, t.i + (t.signed ? 0 : 1));
        wMax = Math.max(wMax, t.w);
      }
  const w = iMax + 2 * f;
  if (w >= wMax) return undefined; // nothing inferred is wider: no bound needed
  return { type: `fixed<${w},${iMax}>`, why: `bounds the auto types: every integer bit inference needs, fraction cut at ${2 * f} bits (one product of these types); unbounded they reach ${wMax} bits` };
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('config')
    .description("write a starting hls4ml configuration for a model, with the values fastml would use (commented)")
    .argument('<model>', 'model file (.onnx, .h5/.hdf5, .json + --weights, .keras)')
    .option('--granularity <level>', 'model, type or name (one entry per layer)', 'model')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--weights <file>', 'Keras weights (.h5) for an architecture-only .json model')
    .option('--precision <type>', 'model default precision', 'fixed<16,6>')
    .option('--reuse <n>', 'model reuse factor', '1')
    .option('--strategy <s>', 'Latency or Resource', 'Latency')
    .option('-t, --target <name>', 'board (alveo-u250, zcu102, pynq-z2, ...) or a part string, as in compile')
    .option('--part <part>', 'FPGA part (same as --target; default xcvu13p-flga2577-2-e)')
    .option('--io <type>', 'parallel or stream (io_parallel / io_stream), as in compile (default: parallel)')
    .option('--io-type <t>', 'same as --io')
    .option('--max-precision <type>', "bound for the auto types (Model: Precision: maximum, as hls4ml's max_precision): a type, or none; default: computed from the model (see docs/config.md)")
    .option('--budget <spec>', 'choose per-layer reuse factors with the estimator to fit dsp=N, lut=N, latency=CYCLES or fraction=F (name granularity)')
    .action(async (modelArg: string, flags: ConfigFlags) => {
      const { fail } = await import('../../diagnostics/diagnostic.js');
      const gran = flags.granularity ?? 'model';
      if (gran !== 'model' && gran !== 'type' && gran !== 'name') fail('FML6560', `--granularity must be model, type or name, got "${gran}"`);
      const { parseType } = await import('../../fixed/type.js');
      try {
        parseType(flags.precision ?? 'fixed<16,6>');
      } catch (e) {
        fail('FML6561', `--precision: ${(e as Error).message}`);
      }
      const rf = Number(flags.reuse ?? '1');
      if (!Number.isInteger(rf) || rf < 1) fail('FML6562', `--reuse must be a positive integer, got "${flags.reuse}"`);
      // The same spellings as compile: strategy in any case, io as parallel / stream / io_*.
      const { parseIo, parseStrategy } = await import('../model-args.js');
      const strategy = parseStrategy(flags.strategy) ?? 'latency';
      const io = parseIo(flags.io, '--io') ?? parseIo(flags.ioType, '--io-type') ?? 'io_parallel';
      // Board names resolve to their part as in compile; a part string is written as given.
      const { resolveBackendTarget } = await import('../../backends/targets.js');
      const { resolveTarget } = await import('../../estimate/devices.js');
      const part = resolveBackendTarget(flags.target ?? flags.part ?? 'xcvu13p-flga2577-2-e').part;
      if (resolveTarget(part).unknown) ctx.io.err(`warning: part ${part} is not in fastml's device table: its estimates will have no utilization\n`);
      const { loadModel } = await import('../../frontends/index.js');
      const file = await resolvePath(ctx, modelArg);
      // -o never overwrites the model or its weights (checked before any work).
      const out = flags.output ? await resolvePath(ctx, flags.output) : undefined;
      if (out) {
        const { checkOutputFile } = await import('../../io/safe-write.js');
        checkOutputFile(out, [{ role: 'model', path: file }, ...(flags.weights ? [{ role: '--weights', path: await resolvePath(ctx, flags.weights) }] : [])], '-o');
      }
      const g0 = await loadModel(file, flags.weights ? { weights: await resolvePath(ctx, flags.weights) } : {});
      // The model's quantizers give the types a config should start from (float scales first become
      // integer quantizers and scale layers, whose names the config then lists).
      const { quantizeModelPass } = await import('../../passes/quantize-model.js');
      const { splitScalesPass } = await import('../../passes/split-scales.js');
      const pctx = { config: undefined, diagnostics: [], report: {} };
      const g = quantizeModelPass.run(splitScalesPass.run(g0, pctx), pctx);
      const base: ConfigOptions = {
        granularity: gran as Granularity,
        defaultPrecision: flags.precision ?? 'fixed<16,6>',
        reuseFactor: rf,
        strategy: strategy === 'resource' ? 'Resource' : 'Latency',
        part,
        ioType: io as 'io_parallel' | 'io_stream',
        modelFile: modelArg,
      };
      // The written configuration goes through the pipeline once, as compile would run it: an
      // invalid Resource reuse factor is the same error (listing the valid values) as at compile.
      const { runPipeline } = await import('../../passes/pipeline.js');
      const { configFromObject } = await import('../../config/load.js');
      const YAML = (await import('yaml')).default;
      const checked = runPipeline(g0, configFromObject(YAML.parse(await configYaml(g, base))), { estimate: { part, ioType: io } });
      // What the passes say about the written configuration, as every command says it.
      const { reportOptionsOf, reportPipelineDiagnostics } = await import('../model-args.js');
      reportPipelineDiagnostics(ctx.io, checked.diagnostics, reportOptionsOf(ctx));
      const maximum = await maximumFor(g0, g, base, flags.maxPrecision, fail);
      if (maximum) Object.assign(base, { maximum });
      let chosenReuse: Record<string, number> | undefined;
      let reuseNote: string | undefined;
      if (flags.budget) {
        if (gran !== 'name') fail('FML6566', '--budget needs --granularity name (reuse factors are written per layer)');
        const { parseBudget } = await import('../../passes/options.js');
        const { runPipeline } = await import('../../passes/pipeline.js');
        const { configFromObject } = await import('../../config/load.js');
        const YAML = (await import('yaml')).default;
        // The budget is met for the very configuration that is written (same types).
        const cfg = configFromObject(YAML.parse(await configYaml(g, base)));
        const r = runPipeline(g0, cfg, { reuse: 'auto', budget: parseBudget(flags.budget), estimate: { part: base.part, ioType: base.ioType } });
        const choice = r.report.reuse as { chosen: Record<string, number>; total: { dsp: number; lut: number; latency_cycles: number } };
        chosenReuse = choice.chosen;
        reuseNote = `reuse factors chosen for --budget ${flags.budget} on ${base.part}: estimated ${choice.total.dsp} DSP, ${choice.total.lut} LUT, ${choice.total.latency_cycles} cycles`;
        ctx.io.err(reuseNote + '\n');
      }
      const text = await configYaml(g, { ...base, ...(chosenReuse ? { chosenReuse } : {}), ...(reuseNote ? { reuseNote } : {}) });
      if (out) {
        const { writeFileAtomic } = await import('../../io/safe-write.js');
        writeFileAtomic(out, text);
        ctx.io.err(`wrote ${flags.output} (${gran} granularity, ${g.layers.length} layers)\n`);
      } else ctx.io.out(text);
    });
}
