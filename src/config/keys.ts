/**
 * @fileoverview The keys hls4ml's configuration format knows, per level, and a closest-key
 * suggestion for typos. Unknown keys are warnings, never errors: hls4ml itself ignores them, and a
 * config written for a newer hls4ml should still load.
 */

export const TOP_KEYS = [
  'Backend',
  'Part',
  'XilinxPart',
  'Board',
  'AcceleratorConfig',
  'ClockPeriod',
  'IOType',
  'HLSConfig',
  'KerasJson',
  'KerasH5',
  'KerasModel',
  'OnnxModel',
  'PytorchModel',
  'OutputDir',
  'EstimatorCalibration',
  'ProjectName',
  'InputData',
  'OutputPredictions',
  'Version',
  'Stamp',
  'WriterConfig',
  'InputShape',
  'Namespace',
  'BuildSystem',
  'Interface',
  'Driver',
  'Bitfile',
  // Written by hls4ml about its own run (see hls4ml-written.ts: reported, not applied).
  'ClockUncertainty',
  'HyperoptHandshake',
  'InputShapes',
  'OutputShapes',
] as const;

// ContextLength: seen in configurations of hls4ml 1.x users; no HLSConfig of hls4ml reads it (see
// hls4ml-written.ts), so it is reported, not unknown.
export const HLSCONFIG_KEYS = ['Model', 'LayerType', 'LayerName', 'Optimizers', 'SkipOptimizers', 'Flows', 'ContextLength'] as const;

/**
 * Keys of `AcceleratorConfig` for Backend: VivadoAccelerator, as hls4ml's VivadoAcceleratorConfig
 * reads them (Platform only for its Alveo boards), and of its Precision map.
 */
export const ACCELERATOR_KEYS = ['Board', 'Interface', 'Driver', 'Precision', 'Platform'] as const;
export const ACCELERATOR_PRECISION_KEYS = ['Input', 'Output'] as const;

/** Keys of a Model / LayerType / LayerName block (besides any `*_t` key). */
export const BLOCK_KEYS = [
  'Precision',
  'ReuseFactor',
  'Strategy',
  'TableSize',
  'Implementation',
  'Trace',
  'TraceOutput',
  'Skip',
  'BramFactor',
  'ParallelizationFactor',
  'ConvImplementation',
  'Compression',
  'PipelineStyle',
  'PipelineInterval',
  'InputsChannelLast',
  'TransposeOutputs',
  'ChannelsLastConversion',
  'MergedRelu',
  'ClipValues',
  // Recurrent and LayerNormalization layer attributes, as hls4ml spells them in a layer block.
  'static',
  'recurrent_reuse_factor',
  'RecurrentReuseFactor',
  'table_range_power2',
  // hls4ml turns every layer key into an attribute in snake_case, so `table_size` (as its older
  // config writer spelled it) is TableSize; the others are reported by hls4ml-written.ts.
  'table_size',
  'StreamDepth',
  'BitExact',
  // hls4ml's target latency for a Resource layer's reuse factor: reported (hls4ml-written.ts).
  'TargetCycles',
] as const;

/** Keys of a Precision map. */
export const PRECISION_KEYS = [
  'default',
  'result',
  'accum',
  'weight',
  'bias',
  'scale',
  'table',
  'exp_table',
  'inv_table',
  'inv_inp',
  'inp_norm',
  'param',
  'slope',
  'shift',
  'depthwise',
  'pointwise',
  'depthwise_accum',
  'depthwise_result',
  'pointwise_accum',
  'recurrent_weight',
  'recurrent_bias',
] as const;

/** Precision-map slots that hls4ml resolves through get_precision (the others it silently ignores). */
export const GET_PRECISION_SLOTS = new Set([
  'default',
  'result',
  'accum',
  'weight',
  'bias',
  'scale',
  'param',
  'slope',
  'shift',
  'depthwise',
  'pointwise',
  'depthwise_accum',
  'depthwise_result',
  'pointwise_accum',
  'recurrent_weight',
  'recurrent_bias',
]);

export function levenshtein(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n]!;
}

/** The known key closest to `key` (case-insensitive), if it is close enough to be a typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of known) {
    const d = levenshtein(k, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(k.length, best.length) / 3));
  return bestD <= limit ? best : undefined;
}
