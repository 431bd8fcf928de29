/**
 * @fileoverview Reading zip archives (.keras, .npz) with a bound on what they inflate to. The
 * central directory is read first and the declared sizes are checked against
 * LIMITS.maxInflatedBytes before anything is inflated; each member is then inflated in small
 * pieces and stopped as soon as it produces more than it declared (a size that lies) or the
 * archive as a whole goes over the limit, so a small file that inflates to gigabytes costs
 * neither the memory nor the time. Stored and deflated members, and the zip64 sizes numpy's
 * savez writes, are read.
 */

import { createRequire } from 'node:module';
import { DiagnosticError, diag, EXIT } from '../diagnostics/diagnostic.js';
import { LIMITS, overLimit } from '../diagnostics/limits.js';

// fflate loads on the first deflated member: its module costs ~25 ms, and most runs (every
// `fastml compile` of an ONNX model) read no zip archive.
type Fflate = typeof import('fflate');
let fflateMod: Fflate | undefined;
const fflate = (): Fflate => (fflateMod ??= createRequire(import.meta.url)('fflate') as Fflate);

interface Member {
  readonly name: string;
  readonly method: number;
  readonly compressed: number;
  readonly size: number;
  readonly localOffset: number;
}

function corrupt(file: string, why: string): never {
  throw new DiagnosticError([diag('FML0021', `not a readable zip archive: ${why}`, { file })], EXIT.USAGE);
}

function centralDirectory(b: Uint8Array, file: string): Member[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let eocd = -1;
  for (let e = b.length - 22; e >= 0 && b.length - e <= 65557; e--)
    if (dv.getUint32(e, true) === 0x06054b50) {
      eocd = e;
      break;
    }
  if (eocd < 0) corrupt(file, 'no end-of-central-directory record (truncated, or not a zip file)');
  let count = dv.getUint16(eocd + 10, true);
  let off = dv.getUint32(eocd + 16, true);
  // zip64: the real count and offset are in the zip64 end record the locator points to.
  if (eocd >= 20 && dv.getUint32(eocd - 20, true) === 0x07064b50) {
    const z = Number(dv.getBigUint64(eocd - 12, true));
    if (z + 56 <= b.length && dv.getUint32(z, true) === 0x06064b50) {
      count = Number(dv.getBigUint64(z + 32, true));
      off = Number(dv.getBigUint64(z + 48, true));
    }
  }
  const members: Member[] = [];
  for (let k = 0; k < count; k++) {
    if (off + 46 > b.length || dv.getUint32(off, true) !== 0x02014b50) corrupt(file, `central directory entry ${k} is damaged`);
    const method = dv.getUint16(off + 10, true);
    let compressed = dv.getUint32(off + 20, true);
    let size = dv.getUint32(off + 24, true);
    const nlen = dv.getUint16(off + 28, true);
    const xlen = dv.getUint16(off + 30, true);
    const clen = dv.getUint16(off + 32, true);
    let localOffset = dv.getUint32(off + 42, true);
    if (off + 46 + nlen + xlen > b.length) corrupt(file, `central directory entry ${k} runs past the end of the file`);
    const name = new TextDecoder().decode(b.subarray(off + 46, off + 46 + nlen));
    // zip64 extended information: 8-byte values for exactly the fields saturated above, in order.
    for (let x = off + 46 + nlen; x + 4 <= off + 46 + nlen + xlen; ) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let p = x + 4;
        const next = (): number => {
          const v = p + 8 <= x + 4 + len ? Number(dv.getBigUint64(p, true)) : NaN;
          p += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressed === 0xffffffff) compressed = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      x += 4 + len;
    }
    if (![size, compressed, localOffset].every(Number.isSafeInteger)) corrupt(file, `member "${name}" has unreadable sizes`);
    members.push({ name, method, compressed, size, localOffset });
    off += 46 + nlen + xlen + clen;
  }
  return members;
}

/** Inflates `data`, stopping as soon as the output passes `max` bytes (returns undefined then). */
function boundedInflate(data: Uint8Array, max: number): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  let total = 0;
  let over = false;
  const inf = new (fflate().Inflate)((chunk) => {
    total += chunk.length;
    if (total > max) over = true;
    else parts.push(chunk);
  });
  // Small input pieces keep each burst of output small (deflate expands at most ~1032:1).
  const step = 16 << 10;
  for (let p = 0; p < data.length && !over; p += step) inf.push(data.subarray(p, Math.min(data.length, p + step)), p + step >= data.length);
  if (over) return undefined;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of parts) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** The members of a zip archive by name; throws a usage error naming the file for anything wrong. */
export function readZip(bytes: Uint8Array, file: string): Record<string, Uint8Array> {
  const members = centralDirectory(bytes, file);
  const declared = members.reduce((a, m) => a + m.size, 0);
  if (declared > LIMITS.maxInflatedBytes) overLimit('maxInflatedBytes', `the archive's members declare ${declared} bytes, which`, { file });
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, Uint8Array> = {};
  let total = 0;
  for (const m of members) {
    const lo = m.localOffset;
    if (lo + 30 > bytes.length || dv.getUint32(lo, true) !== 0x04034b50) corrupt(file, `member "${m.name}" has no local header where the directory says`);
    const start = lo + 30 + dv.getUint16(lo + 26, true) + dv.getUint16(lo + 28, true);
    if (start + m.compressed > bytes.length) corrupt(file, `member "${m.name}" runs past the end of the file (truncated?)`);
    const data = bytes.subarray(start, start + m.compressed);
    let content: Uint8Array;
    if (m.method === 0) content = data.slice();
    else if (m.method === 8) {
      let inflated: Uint8Array | undefined;
      try {
        inflated = boundedInflate(data, m.size);
      } catch (e) {
        corrupt(file, `member "${m.name}" does not inflate: ${(e as Error).message}`);
      }
      if (!inflated) corrupt(file, `member "${m.name}" inflates to more than the ${m.size} bytes it declares`);
      content = inflated;
    } else corrupt(file, `member "${m.name}" uses compression method ${m.method} (only stored and deflate are read)`);
    if (content.length !== m.size) corrupt(file, `member "${m.name}" holds ${content.length} bytes, its header says ${m.size}`);
    total += content.length;
    if (total > LIMITS.maxInflatedBytes) overLimit('maxInflatedBytes', 'the archive inflated', { file });
    out[m.name] = content;
  }
  return out;
}
