// Shape helpers shared by the column-wise functions: data is rows x columns (one column per
// output), as brains-py's [n, m] tensors; a flat array is one column.

export type Signal = readonly (readonly number[])[] | readonly number[];

function isFlat(data: Signal): data is readonly number[] {
  return data.length === 0 || !Array.isArray(data[0]);
}

/** Rows x columns -> columns. Refuses an empty signal and ragged rows (they have no column count). */
export function toColumns(data: Signal, what = 'data'): number[][] {
  if (data.length === 0) throw new RangeError(`${what} is empty`);
  if (isFlat(data)) {
    if (data.some((v) => Array.isArray(v))) throw new RangeError(`${what} mixes numbers and rows`);
    return [Array.from(data)];
  }
  const rows = data as readonly (readonly number[])[];
  const width = rows[0]!.length;
  if (width === 0) throw new RangeError(`${what} has rows with no columns`);
  const columns: number[][] = Array.from({ length: width }, () => new Array<number>(rows.length));
  rows.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new RangeError(`${what} row ${r} has ${Array.isArray(row) ? row.length : 'no'} columns, expected ${width}`);
    }
    for (let c = 0; c < width; c += 1) columns[c]![r] = row[c]!;
  });
  return columns;
}

/** Columns -> rows x columns. */
export function toRows(columns: readonly (readonly number[])[]): number[][] {
  const length = columns[0]?.length ?? 0;
  return Array.from({ length }, (_, r) => columns.map((column) => column[r]!));
}

/** Output and target as columns, refusing different shapes (the reference asserts equal shapes). */
export function pairedColumns(output: Signal, target: Signal): [number[][], number[][]] {
  const out = toColumns(output, 'output');
  const tgt = toColumns(target, 'target');
  if (out.length !== tgt.length || out[0]!.length !== tgt[0]!.length) {
    throw new RangeError(
      `output is ${out[0]!.length} x ${out.length} but target is ${tgt[0]!.length} x ${tgt.length} (rows x columns)`,
    );
  }
  return [out, tgt];
}

/** Number of columns of a signal, without copying it (for default values). */
export function columnCount(data: Signal, what = 'data'): number {
  if (data.length === 0) throw new RangeError(`${what} is empty`);
  return isFlat(data) ? 1 : (data[0] as readonly number[]).length;
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Unbiased (n - 1) variance, as torch.var: NaN for a single value. */
export function unbiasedVariance(values: readonly number[]): number {
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) * (v - m);
  return sum / (values.length - 1);
}

export function sigmoid(x: number): number {
  // Two branches so exp never overflows to Infinity / Infinity for large |x|.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
