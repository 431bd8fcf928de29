/**
 * @fileoverview Command-line overrides of an hls4ml configuration: flags beat the config file,
 * which beats the defaults. Applied to the raw configuration object (hls4ml's own keys) so that
 * the one resolver in load.ts/resolve.ts reads flags and files alike.
 */

export interface ModelOverrides {
  readonly reuse?: number;
  readonly strategy?: string;
  /** Default precision; a Precision map keeps its other slots. */
  readonly precision?: string;
}

/** The configuration with HLSConfig.Model's ReuseFactor / Strategy / Precision replaced where given. */
export function withModelOverrides(raw: Record<string, unknown>, o: ModelOverrides): Record<string, unknown> {
  const hls = { ...((raw.HLSConfig as Record<string, unknown>) ?? {}) };
  const model = { ...((hls.Model as Record<string, unknown>) ?? {}) };
  if (o.reuse !== undefined) model.ReuseFactor = o.reuse;
  if (o.strategy) model.Strategy = o.strategy === 'resource' ? 'Resource' : 'Latency';
  if (o.precision) {
    const p = model.Precision;
    model.Precision = p && typeof p === 'object' ? { ...(p as object), default: o.precision } : o.precision;
  }
  hls.Model = model;
  return { ...raw, HLSConfig: hls };
}
