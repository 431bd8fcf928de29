/**
 * @fileoverview Non-negative least squares (Lawson-Hanson active set), for fitting LUT and FF
 * coefficients: a negative cost per multiplier or per register bit has no physical meaning, so
 * the fit is constrained to non-negative coefficients.
 */

/** Solve the small dense system A x = b by Gaussian elimination with partial pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const piv = M[c]![c]!;
    if (Math.abs(piv) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / piv;
      if (f !== 0) for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((r, i) => (Math.abs(r[i]!) < 1e-12 ? 0 : r[n]! / r[i]!));
}

/** Least squares restricted to the columns in `cols` (normal equations, small ridge for rank loss). */
function lsSubset(X: number[][], y: number[], cols: number[]): number[] {
  const k = cols.length;
  const A = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const b = new Array<number>(k).fill(0);
  for (let r = 0; r < X.length; r++) {
    const row = X[r]!;
    for (let i = 0; i < k; i++) {
      const xi = row[cols[i]!]!;
      if (xi === 0) continue;
      b[i]! += xi * y[r]!;
      for (let j = 0; j < k; j++) A[i]![j]! += xi * row[cols[j]!]!;
    }
  }
  for (let i = 0; i < k; i++) A[i]![i]! += 1e-9 * (A[i]![i]! || 1);
  return solve(A, b);
}

/** min ||X w - y||^2 subject to w >= 0. */
export function nnls(X: number[][], y: number[], maxIter = 200): number[] {
  const n = X[0]?.length ?? 0;
  const w = new Array<number>(n).fill(0);
  const passive = new Set<number>();
  const grad = () => {
    const r = y.map((yi, i) => yi - X[i]!.reduce((s, x, j) => s + x * w[j]!, 0));
    return Array.from({ length: n }, (_, j) => X.reduce((s, row, i) => s + row[j]! * r[i]!, 0));
  };
  for (let it = 0; it < maxIter; it++) {
    const g = grad();
    let best = -1;
    let bestG = 1e-9 * Math.max(1, ...g.map(Math.abs));
    for (let j = 0; j < n; j++) if (!passive.has(j) && g[j]! > bestG) (best = j), (bestG = g[j]!);
    if (best < 0) break;
    passive.add(best);
    for (let inner = 0; inner < 100; inner++) {
      const cols = [...passive].sort((a, b) => a - b);
      const z = lsSubset(X, y, cols);
      if (z.every((v) => v > 0)) {
        cols.forEach((c, i) => (w[c] = z[i]!));
        break;
      }
      let alpha = 1;
      cols.forEach((c, i) => {
        if (z[i]! <= 0) alpha = Math.min(alpha, w[c]! / (w[c]! - z[i]! || 1e-300));
      });
      cols.forEach((c, i) => {
        w[c] = w[c]! + alpha * (z[i]! - w[c]!);
        if (w[c]! <= 1e-12) (w[c] = 0), passive.delete(c);
      });
    }
  }
  return w;
}

/**
 * Non-negative least absolute deviations, approximately: NNLS reweighted `rounds` times, each row
 * by 1 / sqrt(|residual|) (its squared residual then weighs like |residual|), a residual below
 * `floor` counting as `floor` so that fitted rows do not take all the weight. A few rows the model
 * cannot explain pull the solution far less than in least squares.
 */
export function nnlsL1(X: readonly (readonly number[])[], y: readonly number[], rounds: number, floor: number): number[] {
  let w = nnls(X as number[][], y as number[]);
  for (let it = 0; it < rounds; it++) {
    const sw = X.map((row, r) => 1 / Math.sqrt(Math.max(Math.abs(row.reduce((s, x, i) => s + x * w[i]!, 0) - y[r]!), floor)));
    w = nnls(
      X.map((row, r) => row.map((x) => x * sw[r]!)),
      y.map((v, r) => v * sw[r]!),
    );
  }
  return w;
}
