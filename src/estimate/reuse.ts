/**
 * @fileoverview Reuse factors as hls4ml applies them to a dense (or conv-as-dense) product of
 * n_in x n_out: a requested reuse factor that is not valid is replaced by the closest valid one
 * (ties go to the smaller). This snapping is what makes Resource-strategy latency and DSP counts
 * exact: latency ~ RF' and multipliers = n_in*n_out / RF'.
 *
 * Valid (hls4ml's rule): RF divides n_in*n_out; and either RF < n_in with n_out dividing
 * ceil(n_in*n_out / RF), or RF >= n_in with RF a multiple of n_in.
 */

export function isValidReuseFactor(nIn: number, nOut: number, rf: number): boolean {
  const total = nIn * nOut;
  if (rf < 1 || total % rf !== 0) return false;
  if (rf >= nIn) return rf % nIn === 0;
  return Math.ceil(total / rf) % nOut === 0;
}

/** All valid reuse factors, ascending. Enumerates divisors only (n_in*n_out may be large). */
export function validReuseFactors(nIn: number, nOut: number): number[] {
  const total = nIn * nOut;
  const divs: number[] = [];
  for (let d = 1; d * d <= total; d++) {
    if (total % d === 0) {
      divs.push(d);
      if (d * d !== total) divs.push(total / d);
    }
  }
  return divs.sort((a, b) => a - b).filter((rf) => isValidReuseFactor(nIn, nOut, rf));
}

/** The valid reuse factor closest to `rf` (the smaller on a tie), as hls4ml picks it. */
export function closestReuseFactor(nIn: number, nOut: number, rf: number): number {
  const valid = validReuseFactors(nIn, nOut);
  if (valid.length === 0) return 1;
  let lo = 0;
  while (lo < valid.length && valid[lo]! < rf) lo++;
  if (lo === 0) return valid[0]!;
  if (lo === valid.length) return valid[valid.length - 1]!;
  const before = valid[lo - 1]!;
  const after = valid[lo]!;
  return after - rf < rf - before ? after : before;
}
