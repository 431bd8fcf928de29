/**
 * @fileoverview Matching stored weight arrays to IR weight roles. Keras 2 files name each array
 * (`fc1/kernel:0`, `bn/moving_mean:0`, `sep/depthwise_kernel:0`), so roles come from the names;
 * Keras 3 files store `vars/0`, `vars/1`, ... in the layer's variable order, so roles come from the
 * position in the list the converter expects (e.g. BatchNorm: gamma?, beta?, mean, variance).
 */

import type { Shape, WeightTensor } from '../../ir/graph.js';
import type { StoredWeight } from './h5.js';

const BY_NAME: Record<string, string> = {
  kernel: 'kernel',
  recurrent_kernel: 'recurrent_kernel',
  bias: 'bias',
  gamma: 'gamma',
  beta: 'beta',
  moving_mean: 'mean',
  moving_variance: 'variance',
  depthwise_kernel: 'depthwise',
  pointwise_kernel: 'pointwise',
  alpha: 'alpha',
};

function baseName(name: string): string {
  const last = name.split('/').pop() ?? name;
  return last.replace(/:\d+$/, '');
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Assigns stored arrays to `roles` (in the layer's variable order) and checks them against the
 * expected shapes. Returns the weights by role, or a one-line reason when they do not fit.
 * A depthwise layer asks for role `kernel` but Keras names it `depthwise_kernel`: that is mapped.
 */
export function assignRoles(stored: readonly StoredWeight[], roles: readonly string[], expect: Record<string, Shape>): Record<string, WeightTensor> | string {
  const out: Record<string, WeightTensor> = {};
  if (stored.length === 0) return roles.length ? `no weights are stored for this layer (expected ${roles.join(', ')})` : out;
  const named = stored.map((w) => BY_NAME[baseName(w.name)]);
  const useNames = named.every((r) => r !== undefined);
  if (stored.length !== roles.length)
    return `${stored.length} weight arrays are stored (${stored.map((w) => w.name).join(', ')}), expected ${roles.length} (${roles.join(', ')})`;
  stored.forEach((w, k) => {
    let role = useNames ? named[k]! : roles[k]!;
    if (role === 'depthwise' && !roles.includes('depthwise')) role = 'kernel';
    out[role] = { shape: w.shape, data: w.data };
  });
  for (const role of roles) {
    const w = out[role];
    if (!w) return `weight "${role}" is not stored (found ${stored.map((x) => x.name).join(', ')})`;
    const e = expect[role];
    if (e && !same(w.shape, e)) return `weight "${role}" has shape [${w.shape.join(', ')}], expected [${e.join(', ')}]`;
  }
  return out;
}
