/**
 * @fileoverview Generic mutations: raw bytes, and values inside a parsed JSON/YAML document. The
 * "interesting" values are those that found bugs before: negative, zero, fractional, 2^31 and
 * beyond, null where an object is expected, strings where numbers are, NaN, very long and
 * bidirectional-control names.
 */

import type { Rng } from './rng.js';

export const HOSTILE_NAMES: readonly string[] = [
  'x'.repeat(300),
  'evil\u202Eesrever',
  'a*/b/*c',
  'quote"back\\slash',
  'new\nline',
  '../../escape',
  '$(touch pwned)',
  ' lead space',
  'unicodé_層',
  '0starts_with_digit',
  'con',
  'a'.repeat(60) + '\u0000nul',
  '%s%n%d',
  'tab\tname',
];

export const INTERESTING: readonly unknown[] = [
  null,
  0,
  -1,
  1,
  1.5,
  -0.5,
  65,
  1099,
  2 ** 31,
  -(2 ** 31),
  2 ** 53,
  1e6,
  1e9,
  1e300,
  -1e300,
  '',
  'x',
  '16',
  'NaN',
  [],
  [null],
  [[]],
  {},
  true,
  false,
  'x'.repeat(300),
  'evil\u202Ename',
];

export function interesting(rng: Rng): unknown {
  const v = rng.pick(INTERESTING);
  // Fresh copies: the same array/object must not end up in two places of a document.
  return typeof v === 'object' && v !== null ? JSON.parse(JSON.stringify(v)) : v;
}

const SPECIAL_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x20, 0x0a];

/** 1 to 8 random byte-level edits: flips, overwrites, inserts, deletions, duplications, truncation. */
export function mutateBytes(rng: Rng, input: Uint8Array, region?: [number, number]): Uint8Array {
  let b: Uint8Array = input.slice();
  const edits = rng.int(1, 8);
  for (let e = 0; e < edits && b.length > 0; e++) {
    const lo = region ? Math.min(region[0], b.length - 1) : 0;
    const hi = region ? Math.min(region[1], b.length) : b.length;
    const at = rng.int(lo, Math.max(lo, hi - 1));
    switch (rng.int(0, 7)) {
      case 0:
        b[at] = b[at]! ^ (1 << rng.int(0, 7));
        break;
      case 1:
        b[at] = rng.int(0, 255);
        break;
      case 2:
        b[at] = rng.pick(SPECIAL_BYTES);
        break;
      case 3: {
        // A little-endian 32-bit "interesting" integer over whatever was there.
        const v = rng.pick([0, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff, 0x10000]);
        for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = (v >>> (8 * k)) & 0xff;
        break;
      }
      case 4: {
        const n = rng.int(1, 64);
        const ins = new Uint8Array(n).map(() => rng.int(0, 255));
        b = concat(b.subarray(0, at), ins, b.subarray(at));
        break;
      }
      case 5: {
        const n = rng.int(1, Math.min(256, b.length - at));
        b = concat(b.subarray(0, at), b.subarray(at + n));
        break;
      }
      case 6: {
        const n = rng.int(1, Math.min(256, b.length - at));
        b = concat(b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n));
        break;
      }
      default:
        b = b.slice(0, at);
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Every (container, key) position in a JSON-like tree, depth-first. */
function positions(root: unknown): Array<{ parent: any; key: string | number }> {
  const out: Array<{ parent: any; key: string | number }> = [];
  const stack: unknown[] = [root];
  while (stack.length && out.length < 20000) {
    const node = stack.pop();
    if (Array.isArray(node))
      node.forEach((v, k) => {
        out.push({ parent: node, key: k });
        stack.push(v);
      });
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        out.push({ parent: node, key: k });
        stack.push(v);
      }
  }
  return out;
}

/** 1 to 4 edits at random places of a parsed document: replace, delete, duplicate, deepen. */
export function mutateTree(rng: Rng, root: any): string {
  const what: string[] = [];
  const edits = rng.int(1, 4);
  for (let e = 0; e < edits; e++) {
    const ps = positions(root);
    if (!ps.length) break;
    const p = rng.pick(ps);
    const op = rng.int(0, 9);
    if (op <= 5) {
      p.parent[p.key] = interesting(rng);
      what.push(`${String(p.key)}=${JSON.stringify(p.parent[p.key])?.slice(0, 40)}`);
    } else if (op === 6) {
      if (Array.isArray(p.parent)) p.parent.splice(Number(p.key), 1);
      else delete p.parent[p.key];
      what.push(`delete ${String(p.key)}`);
    } else if (op === 7) {
      if (Array.isArray(p.parent)) p.parent.push(JSON.parse(JSON.stringify(p.parent[p.key as number] ?? null)));
      what.push(`duplicate ${String(p.key)}`);
    } else if (op === 8) {
      let v: unknown = p.parent[p.key];
      for (let d = rng.int(2, 40); d > 0; d--) v = [v];
      p.parent[p.key] = v;
      what.push(`nest ${String(p.key)}`);
    } else {
      const v = p.parent[p.key];
      if (typeof v === 'number') p.parent[p.key] = rng.pick([-v, v * 1e6, v + 0.5, String(v), Math.round(v * 2 ** 31)]);
      else if (typeof v === 'string') p.parent[p.key] = rng.pick<unknown>([v.repeat(50), v + '\u202E', v.toUpperCase(), '', Number(v) || 7]);
      what.push(`tweak ${String(p.key)}`);
    }
  }
  return what.join(', ');
}

/** Renames every occurrence of the JSON string `"from"` to a hostile name (keeps references consistent). */
export function renameInJson(text: string, from: string, to: string): string {
  const q = JSON.stringify(from);
  return text.split(q).join(JSON.stringify(to));
}
