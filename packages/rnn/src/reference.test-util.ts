/** Plain-number (float64) building blocks for the RNN test oracles. Matrices are row-major. */
export const sig = (v: number) => 1 / (1 + Math.exp(-v));

export function matmul(a: number[], b: number[], n: number, k: number, m: number): number[] {
  const out = new Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p] as number;
      for (let j = 0; j < m; j++) out[i * m + j] = (out[i * m + j] as number) + av * (b[p * m + j] as number);
    }
  return out;
}

/** Columns [from, from + width) of a [rows, cols] matrix. */
export function cols(a: number[], rows: number, colsN: number, from: number, width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = from; c < from + width; c++) out.push(a[r * colsN + c] as number);
  return out;
}

export const add = (a: number[], b: number[], width?: number) =>
  a.map((v, i) => v + (b[width ? i % width : i] as number));
export const mul = (a: number[], b: number[]) => a.map((v, i) => v * (b[i] as number));

export function layerNormRef(v: number[], width: number, alpha: number[], beta: number[], eps = 1e-5): number[] {
  const out: number[] = [];
  for (let r = 0; r < v.length / width; r++) {
    const row = v.slice(r * width, (r + 1) * width);
    const mean = row.reduce((s, x) => s + x, 0) / width;
    const variance = row.reduce((s, x) => s + (x - mean) ** 2, 0) / width;
    row.forEach((x, j) =>
      out.push((alpha[j] as number) * ((x - mean) / Math.sqrt(variance + eps)) + (beta[j] as number)),
    );
  }
  return out;
}
