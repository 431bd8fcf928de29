/**
 * @fileoverview The server's metrics in the Prometheus text exposition format (version 0.0.4): counters
 * and histograms with labels, kept in memory with a bounded number of label sets (labels come from
 * the server, never from request text, so a flood of bad requests cannot grow them).
 */

type Labels = Readonly<Record<string, string>>;

function key(l: Labels): string {
  return Object.keys(l)
    .sort()
    .map((k) => `${k}="${l[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

class Counter {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(l: Labels = {}, by = 1): void {
    const k = key(l);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  readonly series = new Map<string, { counts: number[]; sum: number; n: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(v: number, l: Labels = {}): void {
    const k = key(l);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, n: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++;
    s.sum += v;
    s.n++;
  }
  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const pre = k ? `${k},` : '';
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${pre}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${pre}le="+Inf"} ${s.n}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.n}`);
    }
    return lines.join('\n');
  }
}

const LATENCY = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384];

export class Metrics {
  readonly requests = new Counter('fastml_requests_total', 'Inference requests received, by model and protocol.');
  readonly failures = new Counter('fastml_request_failures_total', 'Requests answered with an error, by model, protocol and reason.');
  readonly samples = new Counter('fastml_inferences_total', 'Samples emulated, by model.');
  readonly nonFinite = new Counter('fastml_nonfinite_input_values_total', 'Input values that were NaN or infinite (answered as the firmware would: the fixed-point conversion of the value).');
  readonly batches = new Histogram('fastml_batch_size', 'Samples per emulator batch (dynamic batching gathers concurrent requests).', SIZES);
  readonly queue = new Histogram('fastml_queue_seconds', 'Time a request waited for its batch to start.', LATENCY);
  readonly compute = new Histogram('fastml_compute_seconds', 'Emulator time per batch.', LATENCY);
  readonly latency = new Histogram('fastml_request_seconds', 'Time from a request being read to its answer being ready.', LATENCY);
  inflight = 0;

  text(): string {
    return (
      [
        this.requests.text(),
        this.failures.text(),
        this.samples.text(),
        this.nonFinite.text(),
        this.batches.text(),
        this.queue.text(),
        this.compute.text(),
        this.latency.text(),
        '# HELP fastml_inflight_requests Requests being processed now.',
        '# TYPE fastml_inflight_requests gauge',
        `fastml_inflight_requests ${this.inflight}`,
      ].join('\n') + '\n'
    );
  }
}
