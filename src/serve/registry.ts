/**
 * @fileoverview What both protocol front ends share: the served models by name, the metrics, the
 * server's readiness, and the count of requests in flight (graceful shutdown waits for it to reach 0).
 */

import { Metrics } from './metrics.js';
import type { ServedModel } from './model.js';
import { RequestError } from './tensors.js';

export class Registry {
  readonly metrics = new Metrics();
  private readonly models = new Map<string, ServedModel>();
  private stopping = false;
  private inflight = 0;
  private drained: Array<() => void> = [];

  constructor(readonly version: string) {}

  add(m: ServedModel): void {
    if (this.models.has(m.name)) throw new Error(`two models are named "${m.name}" (use MODEL=NAME)`);
    this.models.set(m.name, m);
  }

  list(): ServedModel[] {
    return [...this.models.values()];
  }

  model(name: string): ServedModel {
    const m = this.models.get(name);
    if (!m) throw new RequestError(`unknown model "${name}" (served: ${[...this.models.keys()].join(', ')})`, 'not_found');
    return m;
  }

  ready(): boolean {
    return !this.stopping && this.models.size > 0;
  }

  serverMetadata(): { name: string; version: string; extensions: string[] } {
    return { name: 'fastml', version: this.version, extensions: ['binary_tensor_data'] };
  }

  /** Counts a request in; `done()` counts it out. */
  begin(): void {
    this.inflight++;
  }

  done(): void {
    this.inflight = Math.max(0, this.inflight - 1);
    if (this.inflight === 0) for (const f of this.drained.splice(0)) f();
  }

  /** Stops taking new requests and resolves when the ones in flight are answered. */
  drain(): Promise<void> {
    this.stopping = true;
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((r) => this.drained.push(r));
  }
}
