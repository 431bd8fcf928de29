/**
 * @fileoverview How a returned fuzz run is judged. Exit codes 0, 1 and 2 are answers; 3 is fastml
 * saying it has a bug. A diagnostic that quotes a JavaScript error ("Cannot read properties of
 * null", "Invalid typed array length") or prints `undefined` / `NaN` where a value should be is a
 * crash dressed as a diagnostic: counted as a leak.
 */

import type { Verdict } from './types.js';

const LEAKS: readonly RegExp[] = [
  /Cannot read propert/i,
  /Cannot set propert/i,
  /is not a function/,
  /is not iterable/,
  /Invalid typed array length/,
  /Invalid array length/,
  /Array buffer allocation failed/,
  /Maximum call stack size exceeded/,
  /Maximum BigInt size/,
  /toFixed\(\) digits/,
  /\bundefined\b/,
  // NaN computed by fastml; the user's own "NaN" (quoted, or as name=NaN) is their value echoed.
  /(?<!["=])\bNaN\b(?!")/,
  /\[object Object\]/,
];

export function classifyReturn(exit: number | 'threw', stderr: string, thrown?: string): { kind: Verdict; reason?: string } {
  if (exit === 'threw') return { kind: 'crash', reason: (thrown ?? 'threw').split('\n')[0] };
  if (thrown) return { kind: 'crash', reason: thrown.split('\n')[0] };
  if (exit === 3 || /internal error/.test(stderr)) return { kind: 'crash', reason: firstError(stderr) };
  if (exit !== 0 && exit !== 1 && exit !== 2) return { kind: 'crash', reason: `exit ${exit}` };
  const errLines = stderr.split('\n').filter((l) => /^error /.test(l));
  for (const l of errLines) {
    // Quoted text is the user's own (a type string, a name): only fastml's words can leak.
    const own = l.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/node ""( \([^)]*\))?/, 'node ""');
    for (const re of LEAKS) if (re.test(own)) return { kind: 'leak', reason: l.slice(0, 300) };
  }
  return { kind: 'ok' };
}

function firstError(stderr: string): string {
  return (stderr.split('\n').find((l) => l.trim() !== '') ?? '').slice(0, 300);
}
