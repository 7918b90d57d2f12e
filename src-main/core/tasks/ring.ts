// The ring classification task (brainspy-tasks' RingDatasetGenerator): class 0 is a disc of
// radius (1 - gap) / 2 around the origin, class 1 the ring between radius 1 - (1 - gap) / 2
// and 1, so the empty band between the classes is exactly `gap` wide and every point lies in
// [-1, 1]^2.
//
// As in the reference, point i of a class gets the angle 2*pi*i/n and
// x ~ U(cos * inner, cos * outer), y ~ U(sin * inner, sin * outer), drawn independently; the
// radius then always lies between the class's inner and outer limit. The points are
// interleaved 0, 1, 0, 1, ... in a random order, so any prefix is (almost) balanced.
// Draw order (seeded, replaces numpy's global generator): the interleaving permutation of all
// sampleCount indices first, then class 0's x values, its y values, class 1's x values, its y values.
import { Rng } from '../rng.js'

export interface RingData {
  /** points x 2, in [-1, 1]^2. */
  inputs: number[][]
  /** 0 = inner disc, 1 = outer ring. */
  targets: number[]
}

export interface RingOptions {
  /** Even, >= 2: half the points per class. */
  sampleCount: number
  /** Width of the empty band between the classes, in [0, 1). */
  gap: number
  seed: number
}

export interface SplitFractions {
  train: number
  validation: number
  test: number
}

export interface RingSplit {
  train: RingData
  validation: RingData
  test: RingData
}

function classPoints(count: number, inner: number, outer: number, rng: Rng): number[][] {
  const angles = Array.from({ length: count }, (_, i) => (2 * Math.PI * i) / count)
  const xs = angles.map((a) => uniformBetween(Math.cos(a) * inner, Math.cos(a) * outer, rng))
  const ys = angles.map((a) => uniformBetween(Math.sin(a) * inner, Math.sin(a) * outer, rng))
  return xs.map((x, i) => [x, ys[i]!])
}

// numpy's uniform(low, high) with low > high (negative cosines) is still low + (high - low) * u.
function uniformBetween(low: number, high: number, rng: Rng): number {
  return low + (high - low) * rng.random()
}

/** The class 0 limit radius and the class 1 inner radius for a gap. */
export function ringRadii(gap: number): { innerLimit: number; outerStart: number } {
  const limit = (1 - gap) / 2
  return { innerLimit: limit, outerStart: 1 - limit }
}

export function generateRingData(options: RingOptions): RingData {
  const { sampleCount, gap, seed } = options
  if (!Number.isInteger(sampleCount) || sampleCount < 2 || sampleCount % 2 !== 0) {
    throw new RangeError(`sampleCount must be an even integer >= 2, got ${sampleCount}`)
  }
  if (!(gap >= 0 && gap < 1)) throw new RangeError(`gap must be in [0, 1), got ${gap}`)
  const rng = new Rng(seed)
  const half = sampleCount / 2
  const permuted = rng.permutation(sampleCount)
  const class0Indices = permuted.filter((i) => i < half)
  const class1Indices = permuted.filter((i) => i >= half)
  const order = class0Indices.flatMap((i, k) => [i, class1Indices[k]!])

  const { innerLimit, outerStart } = ringRadii(gap)
  const points = [...classPoints(half, 0, innerLimit, rng), ...classPoints(half, outerStart, 1, rng)]
  const targets = points.map((_, i) => (i < half ? 0 : 1))
  return { inputs: order.map((i) => [...points[i]!]), targets: order.map((i) => targets[i]!) }
}

/**
 * Seeded split into train / validation / test. Each class is shuffled on its own and the classes
 * are interleaved again, so every part is balanced to within one point. Part sizes are
 * floor(fraction * n) for train and validation; test gets the rest when the fractions sum to 1.
 * (The reference slices the test part as [dev_end : floor(0.1 n)], which is empty: not copied.)
 */
export function splitDataset(data: RingData, fractions: SplitFractions, seed: number): RingSplit {
  const { train, validation, test } = fractions
  const n = data.inputs.length
  if (data.targets.length !== n) throw new RangeError(`inputs has ${n} points but targets has ${data.targets.length}`)
  ;[train, validation, test].forEach((f) => {
    if (!(f >= 0 && f <= 1)) throw new RangeError(`split fractions must be in [0, 1], got ${f}`)
  })
  const total = train + validation + test
  if (total > 1 + 1e-9) throw new RangeError(`split fractions sum to ${total} > 1`)

  const rng = new Rng(seed)
  const byClass = new Map<number, number[]>()
  data.targets.forEach((t, i) => byClass.set(t, [...(byClass.get(t) ?? []), i]))
  const shuffled = [...byClass.keys()]
    .sort((a, b) => a - b)
    .map((key) => {
      const indices = byClass.get(key)!
      return rng.permutation(indices.length).map((k) => indices[k]!)
    })
  const order: number[] = []
  const longest = Math.max(...shuffled.map((s) => s.length))
  for (let k = 0; k < longest; k += 1) shuffled.forEach((s) => k < s.length && order.push(s[k]!))

  const trainEnd = Math.floor(train * n)
  const validationEnd = trainEnd + Math.floor(validation * n)
  const testEnd = Math.abs(total - 1) < 1e-9 ? n : validationEnd + Math.floor(test * n)
  const part = (from: number, to: number): RingData => ({
    inputs: order.slice(from, to).map((i) => [...data.inputs[i]!]),
    targets: order.slice(from, to).map((i) => data.targets[i]!)
  })
  return { train: part(0, trainEnd), validation: part(trainEnd, validationEnd), test: part(validationEnd, testEnd) }
}

/** The ring task as a run's config describes it (contract `RingTaskSettings`). */
export interface RingTaskSettings {
  sampleCount: number
  gap: number
  split: SplitFractions
  /** Seeds both the points and the split, so every run that shares it shares the dataset. */
  dataSeed: number
}

/** A run's ring dataset, split: the same points for training and for a later validation on the device. */
export function ringTaskSplit(settings: RingTaskSettings): RingSplit {
  const { sampleCount, gap, split, dataSeed } = settings
  return splitDataset(generateRingData({ sampleCount, gap, seed: dataSeed }), split, dataSeed)
}

/** The part a run's result is reported on: test, else validation, else training (the first non-empty). */
export type RingPartName = 'test' | 'validation' | 'train'

export function evaluationPart(split: RingSplit): { part: RingPartName; data: RingData } {
  if (split.test.inputs.length > 0) return { part: 'test', data: split.test }
  if (split.validation.inputs.length > 0) return { part: 'validation', data: split.validation }
  return { part: 'train', data: split.train }
}
