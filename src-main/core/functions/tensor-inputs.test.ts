// Every public function that takes number arrays also takes a tfjs tensor (1-D = one column,
// 2-D = rows x columns) and gives the same plain-number result. Values are multiples of 1/8, so a
// float32 tensor holds them exactly and the results must be identical, not just close.
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initComputeBackend } from '../compute-backend.js'
import { clampedIntervals } from './clamped-intervals.js'
import { fromTensor, isTensor, toColumns } from './columns.js'
import {
  accuracyFit,
  corrFit,
  corrsig,
  corrsigFit,
  fisher,
  fisherFit,
  pearson,
  sigmoidNnDistance
} from './fitness-functions.js'
import { perceptronAccuracy } from './perceptron.js'
import {
  generateMask,
  plateausToPoints,
  plateausToWaveform,
  pointsToPlateaus,
  pointsToWaveform,
  waveformToPlateaus,
  waveformToPoints
} from './waveform.js'

// Two output columns, eight points, against binary targets (both classes in both columns).
const OUT = [
  [0.125, 0.875],
  [0.75, 0.25],
  [0.625, 0.375],
  [0.25, 0.5],
  [0.875, 0.125],
  [0.375, 1.0],
  [0.5, 0.0],
  [1.0, 0.625]
]
const TGT = [
  [0, 1],
  [1, 0],
  [1, 0],
  [0, 1],
  [1, 0],
  [0, 1],
  [0, 1],
  [1, 0]
]
const OUT_COLUMN = OUT.map((row) => row[0]!)
const TGT_COLUMN = TGT.map((row) => row[0]!)

const made: tf.Tensor[] = []
function t2(rows: number[][]): tf.Tensor2D {
  const tensor = tf.tensor2d(rows)
  made.push(tensor)
  return tensor
}
function t1(values: number[]): tf.Tensor1D {
  const tensor = tf.tensor1d(values)
  made.push(tensor)
  return tensor
}
// The app's backend choice (it also keeps tfjs from printing its install-tfjs-node banner).
beforeAll(async () => {
  await initComputeBackend()
})
afterAll(() => tf.dispose(made))

describe('tensor inputs', () => {
  it('fitness and loss functions: same values for tensors as for arrays', () => {
    expect(pearson(t2(OUT), t2(TGT))).toEqual(pearson(OUT, TGT))
    expect(pearson(t1(OUT_COLUMN), t1(TGT_COLUMN))).toEqual(pearson(OUT_COLUMN, TGT_COLUMN))
    // A tensor and an array can be mixed.
    expect(pearson(t2(OUT), TGT)).toEqual(pearson(OUT, TGT))
    expect(corrFit(t2(OUT), t2(TGT))).toEqual(corrFit(OUT, TGT))
    expect(corrFit(t2(OUT), t2(TGT), { defaultValue: true })).toEqual([-1, -1])
    expect(corrsigFit(t2(OUT), t2(TGT), { sigmoidCenter: 0.25, sigmoidScale: 3 })).toEqual(
      corrsigFit(OUT, TGT, { sigmoidCenter: 0.25, sigmoidScale: 3 })
    )
    expect(accuracyFit(t2(OUT), t2(TGT))).toEqual(accuracyFit(OUT, TGT))
    expect(fisherFit(t2(OUT), t2(TGT))).toEqual(fisherFit(OUT, TGT))
    expect(fisher(t2(OUT), t2(TGT))).toEqual(fisher(OUT, TGT))
    expect(corrsig(t2(OUT), t2(TGT), { corrShift: 1.5 })).toEqual(corrsig(OUT, TGT, { corrShift: 1.5 }))
    expect(sigmoidNnDistance(t2(OUT))).toEqual(sigmoidNnDistance(OUT))
    expect(sigmoidNnDistance(t1(OUT_COLUMN))).toEqual(sigmoidNnDistance(OUT_COLUMN))
    // The values are real numbers, one per column (the test is not comparing two errors).
    expect(pearson(OUT, TGT)).toHaveLength(2)
    expect(pearson(OUT, TGT).every(Number.isFinite)).toBe(true)
  })

  it('clampedIntervals keeps the rank: 1-D gives a flat array, 2-D rows x columns', () => {
    const flat = clampedIntervals(t1(OUT_COLUMN), 'double_nn', [0, 1])
    expect(flat).toEqual(clampedIntervals(OUT_COLUMN, 'double_nn', [0, 1]))
    expect(flat).toHaveLength(9)
    expect(clampedIntervals(t2(OUT), 'single_nn')).toEqual(clampedIntervals(OUT, 'single_nn'))
    expect(clampedIntervals(t2(OUT), 'intervals')).toEqual(clampedIntervals(OUT, 'intervals'))
  })

  it('perceptronAccuracy takes a 1-D tensor or an n x 1 tensor', () => {
    const expected = perceptronAccuracy(OUT_COLUMN, TGT_COLUMN, { epochs: 50 })
    expect(perceptronAccuracy(t1(OUT_COLUMN), t1(TGT_COLUMN), { epochs: 50 })).toEqual(expected)
    const column = OUT_COLUMN.map((v) => [v])
    expect(
      perceptronAccuracy(
        t2(column),
        TGT_COLUMN.map((v) => [v]),
        { epochs: 50 }
      )
    ).toEqual(expected)
    expect(() => perceptronAccuracy(t2(OUT), TGT_COLUMN)).toThrow(/output has 2 columns; expected one column/)
  })

  it('waveform functions: same results for tensors; 1-D input gives 1-D output', () => {
    const shape = { plateauLength: 2, slopeLength: 1 }
    const points = [
      [0.5, -0.25],
      [1, 0.75],
      [-0.5, 0]
    ]
    expect(pointsToWaveform(t2(points), shape)).toEqual(pointsToWaveform(points, shape))
    expect(pointsToPlateaus(t2(points), shape)).toEqual(pointsToPlateaus(points, shape))
    const plateaus = pointsToPlateaus(points, shape)
    expect(plateausToWaveform(t2(plateaus), shape)).toEqual(plateausToWaveform(plateaus, shape))
    expect(plateausToPoints(t2(plateaus), shape)).toEqual(points)
    const waveform = pointsToWaveform(points, shape)
    expect(waveformToPlateaus(t2(waveform), shape)).toEqual(plateaus)
    // A mask as a bool tensor, as brains-py passes torch masks.
    const mask = tf.tensor1d(generateMask(waveform.length, shape).map(Number), 'bool')
    made.push(mask)
    expect(waveformToPlateaus(t2(waveform), shape, mask)).toEqual(plateaus)
    expect(waveformToPoints(t2(waveform), shape)).toEqual(points)

    // One electrode as a flat column, in either form: flat in, flat out, same values as n x 1.
    const single = points.map((row) => row[0]!)
    const asColumn = pointsToWaveform(
      single.map((v) => [v]),
      shape
    ).map((row) => row[0]!)
    expect(pointsToWaveform(single, shape)).toEqual(asColumn)
    expect(pointsToWaveform(t1(single), shape)).toEqual(asColumn)
    expect(plateausToWaveform(t1(pointsToPlateaus(single, shape)), shape).data).toEqual(asColumn)
    expect(waveformToPoints(t1(asColumn), shape)).toEqual(single)
  })

  it('refuses tensors of other ranks and dtypes, naming the argument', () => {
    const cube = tf.zeros([2, 2, 2])
    const scalar = tf.scalar(1)
    const text = tf.tensor1d(['a', 'b'], 'string')
    made.push(cube, scalar, text)
    expect(() => pearson(cube, cube)).toThrow(/output is a tensor of shape \[2, 2, 2\]; expected 1-D/)
    expect(() => sigmoidNnDistance(scalar)).toThrow(/output is a tensor of shape \[\]/)
    expect(() => pointsToWaveform(text, { plateauLength: 1, slopeLength: 0 })).toThrow(/points is a string tensor/)
    const disposed = tf.tensor1d([1, 2])
    disposed.dispose()
    expect(() => toColumns(disposed, 'target')).toThrow(/target: cannot read the tensor/)
  })

  it('recognises tensors by shape, not by class', () => {
    expect(isTensor(t1([1]))).toBe(true)
    expect(isTensor([1, 2])).toBe(false)
    expect(isTensor(new Float32Array(2))).toBe(false)
    expect(isTensor({ shape: [2], rank: 1 })).toBe(false)
    const foreign = { shape: [2], rank: 1, dtype: 'float32', arraySync: () => [3, 4] }
    expect(isTensor(foreign)).toBe(true)
    expect(fromTensor(foreign as unknown as tf.Tensor, 'x')).toEqual([3, 4])
  })
})
