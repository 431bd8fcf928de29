/**
 * @fileoverview One served model: loaded and passed through the same pipeline as `fastml compile` (so
 * its answers are the generated firmware's bits), its protocol metadata, request checking, and
 * dynamic batching: requests that arrive while a batch runs (or within --batch-delay-us of the
 * first) are gathered, up to --max-batch samples, into one emulator batch (on the worker pool when
 * the batch is large), and each caller gets its own rows back. The protocol front ends (http.ts,
 * grpc.ts) only translate; everything about the model is here.
 */

import type { Graph } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { isAuto } from '../fixed/type.js';
import { compileEmulator, prepareInputs, runBatch, type CompiledEmulator } from '../emulator/index.js';
import { fromIrLayout } from '../emulator/float.js';
import { loadSession } from '../emulator/session.js';
import { EmulatorPool, poolAvailable } from './pool.js';
import type { Metrics } from './metrics.js';
import type { CliIO } from '../cli/io.js';
import { RequestError, type OutputDatatype } from './tensors.js';

export interface TensorSpec {
  readonly name: string;
  /** Per-sample shape in the model's own layout. */
  readonly shape: readonly number[];
  readonly size: number;
}

export interface OutputSpec extends TensorSpec {
  /** FP32 when every value of the output's fixed-point type is exact in float32, else FP64. */
  readonly datatype: OutputDatatype;
}

export interface DecodedInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float64Array;
}

export interface OutputTensor {
  readonly name: string;
  readonly datatype: OutputDatatype;
  readonly shape: number[];
  readonly data: Float64Array;
}

export interface BatchingOptions {
  /** Most samples in one emulator batch; 1 turns dynamic batching off. */
  readonly maxBatch: number;
  /** How long the first request of a batch waits for others (microseconds). */
  readonly delayUs: number;
  /** Worker threads for large batches (0: none). */
  readonly workers: number;
  /** Batches of at least this many samples go to the pool. */
  readonly poolMinBatch: number;
}

interface Queued {
  readonly n: number;
  readonly data: Float64Array[];
  readonly t0: number;
  resolve(out: Float64Array[]): void;
  reject(e: Error): void;
}

export class ServedModel {
  readonly version = '1';
  readonly inputs: TensorSpec[];
  readonly outputs: OutputSpec[];
  private readonly emu: CompiledEmulator;
  private readonly pool?: EmulatorPool;
  private readonly queue: Queued[] = [];
  private queuedSamples = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  private constructor(
    readonly name: string,
    readonly file: string,
    readonly graph: Graph,
    private readonly opts: BatchingOptions,
    private readonly metrics: Metrics,
  ) {
    this.inputs = graph.inputs.map((t) => {
      const shape = graph.inputLayouts[t]?.sourceShape ?? graph.tensors.get(t)!.shape;
      return { name: t, shape, size: numel(shape) };
    });
    const lays = graph.meta.outputLayouts as Record<string, { sourceShape: readonly number[] }> | undefined;
    this.outputs = graph.outputs.map((t) => {
      const shape = lays?.[t]?.sourceShape ?? graph.tensors.get(t)!.shape;
      return { name: t, shape, size: numel(shape), datatype: outputDatatype(graph, t) };
    });
    this.emu = compileEmulator(graph);
    if (opts.workers > 1 && poolAvailable())
      this.pool = new EmulatorPool(graph, opts.workers, this.emu.inputs.map((i) => i.size), this.emu.outputs.map((o) => o.size));
  }

  static async load(
    file: string,
    name: string,
    o: { config?: string; weights?: string },
    batching: BatchingOptions,
    metrics: Metrics,
    io?: Pick<CliIO, 'err'>,
    report: { quiet?: boolean } = {},
  ): Promise<ServedModel> {
    const s = await loadSession(file, { ...(o.config ? { config: o.config } : {}), ...(o.weights ? { weights: o.weights } : {}) });
    if (io) {
      const { reportConfigDiagnostics, reportPipelineDiagnostics } = await import('../cli/model-args.js');
      reportConfigDiagnostics(io, s.config.warnings, report);
      reportPipelineDiagnostics(io, s.pipeline.diagnostics, report);
    }
    return new ServedModel(name, file, s.graph, batching, metrics);
  }

  metadata(): { name: string; versions: string[]; platform: string; inputs: Array<{ name: string; datatype: string; shape: number[] }>; outputs: Array<{ name: string; datatype: string; shape: number[] }> } {
    return {
      name: this.name,
      versions: [this.version],
      platform: 'fastml_emulator',
      inputs: this.inputs.map((t) => ({ name: t.name, datatype: 'FP32', shape: [-1, ...t.shape] })),
      outputs: this.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [-1, ...t.shape] })),
    };
  }

  checkVersion(v: string | undefined): void {
    if (v && v !== this.version) throw new RequestError(`model "${this.name}" has no version "${v}" (versions: ${this.version})`, 'not_found');
  }

  /** Checks the request's tensors against the model and returns the batch size. */
  checkInputs(inputs: readonly DecodedInput[]): number {
    const seen = new Set<string>();
    let n = -1;
    for (const x of inputs) {
      const spec = this.inputs.find((i) => i.name === x.name);
      if (!spec) throw new RequestError(`model "${this.name}" has no input "${x.name}" (inputs: ${this.inputs.map((i) => i.name).join(', ')})`);
      if (seen.has(x.name)) throw new RequestError(`input "${x.name}" is given twice`);
      seen.add(x.name);
      const want = spec.shape;
      const got = x.shape;
      if (got.length !== want.length + 1 || want.some((d, i) => got[i + 1] !== d))
        throw new RequestError(`input "${x.name}": shape [${got.join(', ')}] does not match the model's [-1, ${want.join(', ')}] (batch first, in the model's own layout)`);
      if (n !== -1 && got[0] !== n) throw new RequestError(`inputs have different batch sizes (${n} and ${got[0]})`);
      n = got[0]!;
    }
    const missing = this.inputs.filter((i) => !seen.has(i.name)).map((i) => i.name);
    if (missing.length) throw new RequestError(`missing input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} of model "${this.name}"`);
    return n;
  }

  checkRequestedOutputs(names: readonly string[]): void {
    for (const o of names)
      if (!this.outputs.some((s) => s.name === o)) throw new RequestError(`model "${this.name}" has no output "${o}" (outputs: ${this.outputs.map((s) => s.name).join(', ')})`);
  }

  /** Runs the request through the batcher; outputs batch-first in the model's layout. */
  async infer(inputs: readonly DecodedInput[], protocol: string): Promise<OutputTensor[]> {
    const n = this.checkInputs(inputs);
    let bad = 0;
    for (const x of inputs) for (const v of x.values) if (!Number.isFinite(v)) bad++;
    if (bad) this.metrics.nonFinite.inc({ model: this.name, protocol }, bad);
    const byName = Object.fromEntries(inputs.map((x) => [x.name, { data: x.values, n }]));
    const { data } = prepareInputs(this.graph, byName);
    const outs = await this.submit(n, data);
    return this.outputs.map((o, k) => ({ name: o.name, datatype: o.datatype, shape: [n, ...o.shape], data: fromIrLayout(this.graph, o.name, outs[k]!) }));
  }

  private submit(n: number, data: Float64Array[]): Promise<Float64Array[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ n, data, t0: performance.now(), resolve, reject });
      this.queuedSamples += n;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.opts.maxBatch <= 1 || this.queuedSamples >= this.opts.maxBatch || this.opts.delayUs <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      // Let requests that arrived in the same turn of the event loop join the batch.
      setImmediate(() => void this.flush());
      this.running = true;
      return;
    }
    if (!this.timer)
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.running) {
          this.running = true;
          void this.flush();
        }
      }, this.opts.delayUs / 1000);
  }

  private async flush(): Promise<void> {
    const take: Queued[] = [];
    let n = 0;
    while (this.queue.length && (take.length === 0 || n + this.queue[0]!.n <= this.opts.maxBatch)) {
      const q = this.queue.shift()!;
      take.push(q);
      n += q.n;
    }
    this.queuedSamples -= n;
    const t = performance.now();
    for (const q of take) this.metrics.queue.observe((t - q.t0) / 1000, { model: this.name });
    try {
      const data = take.length === 1 ? take[0]!.data : this.emu.inputs.map((_, k) => concat(take.map((q) => q.data[k]!)));
      let outs: Float64Array[];
      if (this.pool && n >= this.opts.poolMinBatch) outs = await this.pool.run(n, data);
      else {
        const res = runBatch(this.emu, n, data);
        outs = this.emu.outputs.map((o) => res.outputs[o.name]!);
      }
      this.metrics.compute.observe((performance.now() - t) / 1000, { model: this.name });
      this.metrics.batches.observe(n, { model: this.name });
      this.metrics.samples.inc({ model: this.name }, n);
      let s0 = 0;
      for (const q of take) {
        q.resolve(outs.map((o, k) => o.slice(s0 * this.emu.outputs[k]!.size, (s0 + q.n) * this.emu.outputs[k]!.size)));
        s0 += q.n;
      }
    } catch (e) {
      for (const q of take) q.reject(e as Error);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
}

/** FP32 holds every value of a fixed-point type of at most 24 bits exactly; wider types need FP64. */
function outputDatatype(g: Graph, tensor: string): OutputDatatype {
  const layer = g.layers.find((l) => l.outputs.includes(tensor));
  const t = layer?.precision.result;
  if (!t || isAuto(t)) return 'FP64';
  return t.w <= 24 ? 'FP32' : 'FP64';
}
