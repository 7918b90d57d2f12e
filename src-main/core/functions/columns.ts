// Shape helpers shared by the column-wise functions: data is rows x columns (one column per
// output), as brains-py's [n, m] tensors; a flat array is one column. A tfjs tensor is accepted
// wherever a number array is (1-D = one column, 2-D = rows x columns): fromTensor() turns it
// into plain arrays once, at the entry of the public function, and results stay plain numbers.
import type { Tensor } from '@tensorflow/tfjs'

/** Rows x columns (one column per output). */
export type Matrix = readonly (readonly number[])[]
/** A nested or flat number array. */
export type NumberSignal = Matrix | readonly number[]
/** A number array, or a tfjs tensor of rank 1 (one column) or 2 (rows x columns). */
export type Signal = NumberSignal | Tensor

/**
 * True for a tfjs tensor. Duck-typed (shape, rank, arraySync) rather than `instanceof`, so a
 * tensor from another copy of tfjs (e.g. a caller's @tensorflow/tfjs-node) is recognised too.
 */
export function isTensor(value: unknown): value is Tensor {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return false
  const candidate = value as Partial<Tensor>
  return (
    typeof candidate.arraySync === 'function' && Array.isArray(candidate.shape) && typeof candidate.rank === 'number'
  )
}

/**
 * A tensor as plain arrays (number[] for rank 1, number[][] for rank 2); any other value is
 * returned unchanged. Refuses other ranks and non-numeric dtypes, naming `what`.
 */
export function fromTensor<T>(value: T | Tensor, what = 'data'): T | number[] | number[][] {
  if (!isTensor(value)) return value
  if (value.rank !== 1 && value.rank !== 2) {
    throw new RangeError(
      `${what} is a tensor of shape [${value.shape.join(', ')}]; expected 1-D (one column) or 2-D (rows x columns)`
    )
  }
  if (value.dtype === 'string' || value.dtype === 'complex64')
    throw new RangeError(`${what} is a ${value.dtype} tensor; expected numbers`)
  let values: number[] | number[][]
  try {
    values = value.arraySync() as number[] | number[][]
  } catch (error) {
    throw new Error(`${what}: cannot read the tensor (${error instanceof Error ? error.message : String(error)})`, {
      cause: error
    })
  }
  // A bool tensor may read back as booleans: make them 0 / 1, as torch's .float() would.
  if (value.dtype === 'bool') {
    return value.rank === 1 ? (values as number[]).map(Number) : (values as number[][]).map((row) => row.map(Number))
  }
  return values
}

/** A signal as plain arrays (tensors converted once). */
export function toNumberSignal(data: Signal, what = 'data'): NumberSignal {
  return fromTensor(data, what)
}

function isFlat(data: NumberSignal): data is readonly number[] {
  return data.length === 0 || !Array.isArray(data[0])
}

/** Rows x columns -> columns. Refuses an empty signal and ragged rows (they have no column count). */
export function toColumns(signal: Signal, what = 'data'): number[][] {
  const data = toNumberSignal(signal, what)
  if (data.length === 0) throw new RangeError(`${what} is empty`)
  if (isFlat(data)) {
    if (data.some((v) => Array.isArray(v))) throw new RangeError(`${what} mixes numbers and rows`)
    return [Array.from(data)]
  }
  const rows = data as readonly (readonly number[])[]
  const width = rows[0]!.length
  if (width === 0) throw new RangeError(`${what} has rows with no columns`)
  const columns: number[][] = Array.from({ length: width }, () => new Array<number>(rows.length))
  rows.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new RangeError(`${what} row ${r} has ${Array.isArray(row) ? row.length : 'no'} columns, expected ${width}`)
    }
    for (let c = 0; c < width; c += 1) columns[c]![r] = row[c]!
  })
  return columns
}

/** Columns -> rows x columns. */
export function toRows(columns: readonly (readonly number[])[]): number[][] {
  const length = columns[0]?.length ?? 0
  return Array.from({ length }, (_, r) => columns.map((column) => column[r]!))
}

/** Output and target as columns, refusing different shapes (the reference asserts equal shapes). */
export function pairedColumns(output: Signal, target: Signal): [number[][], number[][]] {
  const out = toColumns(output, 'output')
  const tgt = toColumns(target, 'target')
  if (out.length !== tgt.length || out[0]!.length !== tgt[0]!.length) {
    throw new RangeError(
      `output is ${out[0]!.length} x ${out.length} but target is ${tgt[0]!.length} x ${tgt.length} (rows x columns)`
    )
  }
  return [out, tgt]
}

/**
 * Rows x columns as rows, for the functions that work on samples (waveforms). `flat` tells
 * whether the input was one flat column (a flat array or a 1-D tensor), so the result can be
 * given back in the same form.
 */
export function toRowMatrix(signal: Signal, what = 'data'): { rows: number[][]; flat: boolean } {
  const data = toNumberSignal(signal, what)
  if (data.length === 0) throw new RangeError(`${what} is empty`)
  if (isFlat(data)) {
    if (data.some((v) => Array.isArray(v))) throw new RangeError(`${what} mixes numbers and rows`)
    return { rows: Array.from(data, (v) => [v]), flat: true }
  }
  return { rows: toRows(toColumns(data, what)), flat: false }
}

/**
 * One column as a flat array: a flat array, a 1-D tensor, or rows x 1 (nested or 2-D tensor),
 * as brains-py's [n, 1] tensors. More than one column is refused.
 */
export function singleColumn(signal: Signal, what = 'data'): number[] {
  const columns = toColumns(signal, what)
  if (columns.length !== 1) throw new RangeError(`${what} has ${columns.length} columns; expected one column`)
  return columns[0]!
}

export function mean(values: readonly number[]): number {
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}

/** Unbiased (n - 1) variance, as torch.var: NaN for a single value. */
export function unbiasedVariance(values: readonly number[]): number {
  const m = mean(values)
  let sum = 0
  for (const v of values) sum += (v - m) * (v - m)
  return sum / (values.length - 1)
}

export function sigmoid(x: number): number {
  // Two branches so exp never overflows to Infinity / Infinity for large |x|.
  if (x >= 0) return 1 / (1 + Math.exp(-x))
  const e = Math.exp(x)
  return e / (1 + e)
}
