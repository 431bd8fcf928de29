/**
 * @fileoverview Zip bombs for the fuzzer: a deflate stream of 1 GiB of zeros (about 1 MiB, made in
 * milliseconds from one repeated byte-aligned block) and an archive writer that adds it as a
 * member declaring its true size or a small false one.
 */

import { zipSync, strToU8 } from 'fflate';
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import { concat } from './mutate.js';

let bomb: Uint8Array | undefined;
/** A deflate stream of 1 GiB of zeros (about 1 MiB): one byte-aligned 1 MiB block, repeated, then an empty final block. */
export function zerosBomb(): Uint8Array {
  if (bomb) return bomb;
  const block = deflateRawSync(new Uint8Array(1 << 20), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  bomb = new Uint8Array(Buffer.concat([...Array(1024).fill(block), Buffer.from([3, 0])]));
  return bomb;
}

/** A zip archive with one deflated member whose data is `deflated` (declaring `size` bytes). */
export function zipWithMember(entries: Record<string, Uint8Array>, name: string, deflated: Uint8Array, size: number, lieAboutSize: boolean): Uint8Array {
  // fflate cannot add a pre-compressed member, so this writes the archive by hand: the stored
  // members first (through zipSync), then the raw member spliced in before the central directory.
  const base = zipSync(entries, { level: 0 });
  const dv = new DataView(base.buffer, base.byteOffset, base.byteLength);
  let eocd = base.length - 22;
  while (eocd > 0 && dv.getUint32(eocd, true) !== 0x06054b50) eocd--;
  const cdCount = dv.getUint16(eocd + 10, true);
  const cdSize = dv.getUint32(eocd + 12, true);
  const cdOff = dv.getUint32(eocd + 16, true);
  const nameB = strToU8(name);
  const declared = lieAboutSize ? 1000 : size;
  const local = new Uint8Array(30 + nameB.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 20, true);
  lv.setUint16(8, 8, true);
  lv.setUint32(14, 0, true); // CRC left 0: the limit must act before any CRC check could.
  lv.setUint32(18, deflated.length, true);
  lv.setUint32(22, declared >>> 0, true);
  lv.setUint16(26, nameB.length, true);
  local.set(nameB, 30);
  const central = new Uint8Array(46 + nameB.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 20, true);
  cv.setUint16(6, 20, true);
  cv.setUint16(10, 8, true);
  cv.setUint32(20, deflated.length, true);
  cv.setUint32(24, declared >>> 0, true);
  cv.setUint16(28, nameB.length, true);
  cv.setUint32(42, cdOff, true);
  central.set(nameB, 46);
  const members = base.subarray(0, cdOff);
  const oldCd = new Uint8Array(base.subarray(cdOff, cdOff + cdSize));
  const newOff = cdOff + local.length + deflated.length;
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, cdCount + 1, true);
  ev.setUint16(10, cdCount + 1, true);
  ev.setUint32(12, cdSize + central.length, true);
  ev.setUint32(16, newOff, true);
  // The new member goes after the old ones, so its local header sits at cdOff.
  return concat(members, local, deflated, oldCd, central, end);
}
