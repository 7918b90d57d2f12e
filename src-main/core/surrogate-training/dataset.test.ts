import { describe, expect, it } from 'vitest'
import { Rng } from '../rng.js'
import { checkSampleSet, epochBatches, gatherBatch, splitDataset, toNanoamps, type SampleSet } from './dataset.js'
import { pearsonCorrelation, testMetrics } from './metrics.js'

/** count samples whose inputs encode their index (row i = [i, -i]) and output = 10 i nA. */
function indexedSamples(count: number): SampleSet {
  const inputsVolts = new Float32Array(count * 2)
  const outputsNanoamps = new Float32Array(count)
  for (let i = 0; i < count; i += 1) {
    inputsVolts[2 * i] = i
    inputsVolts[2 * i + 1] = -i
    outputsNanoamps[i] = 10 * i
  }
  return { inputsVolts, outputsNanoamps, count, inputCount: 2, outputCount: 1 }
}

describe('splitDataset', () => {
  it('splits 0.8 / 0.1 / 0.1 by a seeded permutation: disjoint, covering every sample, rows kept whole', () => {
    const split = splitDataset(indexedSamples(1000), [20], 7)
    expect([split.train.count, split.validation.count, split.test.count]).toEqual([800, 100, 100])
    const seen = new Set<number>()
    for (const set of [split.train, split.validation, split.test]) {
      for (let row = 0; row < set.count; row += 1) {
        const index = set.inputs[2 * row]!
        expect(set.inputs[2 * row + 1]).toBe(-index)
        // Outputs in nA divided by the amplification (20 nA per unit).
        expect(set.targets[row]).toBeCloseTo((10 * index) / 20, 6)
        seen.add(index)
      }
    }
    expect(seen.size).toBe(1000)
    // Shuffled, not the first 800 in order.
    expect(Array.from(split.train.inputs.filter((_, i) => i % 2 === 0).slice(0, 10))).not.toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9
    ])
    expect(splitDataset(indexedSamples(1000), [20], 7)).toEqual(split)
    expect(splitDataset(indexedSamples(1000), [20], 8).test.inputs).not.toEqual(split.test.inputs)
  })

  it('takes other fractions; a set too small to leave a test sample is refused', () => {
    const split = splitDataset(indexedSamples(10), [1], 1, { train: 0.5, validation: 0.25, test: 0.25 })
    expect([split.train.count, split.validation.count, split.test.count]).toEqual([5, 2, 3])
    expect(() => splitDataset(indexedSamples(3), [1], 1)).toThrow(/none for the test set/)
    const ten = splitDataset(indexedSamples(10), [1], 1)
    expect([ten.train.count, ten.validation.count, ten.test.count]).toEqual([8, 1, 1])
  })

  it('refuses bad sample sets, fractions and amplifications, naming what is wrong', () => {
    const good = indexedSamples(10)
    expect(() =>
      splitDataset(
        {
          ...good,
          count: 2,
          inputsVolts: good.inputsVolts.subarray(0, 4),
          outputsNanoamps: good.outputsNanoamps.subarray(0, 2)
        },
        [1],
        1
      )
    ).toThrow(/sample count/)
    expect(() => splitDataset({ ...good, inputsVolts: good.inputsVolts.subarray(1) }, [1], 1)).toThrow(
      /inputsVolts has 19 values/
    )
    expect(() => splitDataset({ ...good, outputsNanoamps: good.outputsNanoamps.subarray(1) }, [1], 1)).toThrow(
      /outputsNanoamps has 9/
    )
    const withNaN = indexedSamples(10)
    withNaN.outputsNanoamps[4] = Number.NaN
    expect(() => checkSampleSet(withNaN)).toThrow(/sample 4 has a non-finite output/)
    const withInfinity = indexedSamples(10)
    withInfinity.inputsVolts[7] = Infinity
    expect(() => checkSampleSet(withInfinity)).toThrow(/sample 3 has a non-finite input/)
    expect(() => splitDataset(good, [0], 1)).toThrow(/amplification/)
    expect(() => splitDataset(good, [1, 2], 1)).toThrow(/amplification/)
    expect(() => splitDataset(good, [1], 1, { train: 0.8, validation: 0.1, test: 0.2 })).toThrow(/add up to 1/)
    expect(() => splitDataset(good, [1], 1, { train: 0.9, validation: 0.1, test: 0 })).toThrow(/fractions/)
  })
})

describe('epochBatches and gatherBatch', () => {
  it('cuts a fresh seeded permutation into batches, the last one smaller', () => {
    const rng = new Rng(3)
    const first = epochBatches(10, 4, rng)
    expect(first.map((b) => b.length)).toEqual([4, 4, 2])
    expect([...first.flatMap((b) => [...b])].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const second = epochBatches(10, 4, rng)
    expect(second.map((b) => [...b])).not.toEqual(first.map((b) => [...b]))
    const replay = new Rng(3)
    expect(epochBatches(10, 4, replay).map((b) => [...b])).toEqual(first.map((b) => [...b]))
    expect(() => epochBatches(10, 0, rng)).toThrow(/batch size/)
  })

  it('copies the chosen rows', () => {
    const split = splitDataset(indexedSamples(20), [10], 1)
    const batch = gatherBatch(split.train, Int32Array.from([3, 0]), 2, 1)
    expect(Array.from(batch.inputs)).toEqual([...split.train.inputs.slice(6, 8), ...split.train.inputs.slice(0, 2)])
    expect(Array.from(batch.targets)).toEqual([split.train.targets[3], split.train.targets[0]])
    expect(Array.from(toNanoamps(batch.targets, [10]))).toEqual([10 * batch.inputs[0]!, 10 * batch.inputs[2]!])
  })
})

describe('metrics', () => {
  it("Pearson's r of known series", () => {
    expect(pearsonCorrelation([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12)
    expect(pearsonCorrelation([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12)
    expect(pearsonCorrelation([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12)
    expect(pearsonCorrelation([1, 1, 1], [1, 2, 3])).toBeNull()
    expect(() => pearsonCorrelation([1], [1, 2])).toThrow(/same length/)
  })

  it('RMSE in nA and relative to the measured range', () => {
    const metrics = testMetrics([1, 2, 3, 6], [0, 2, 4, 8])
    expect(metrics.rmseNanoamps).toBeCloseTo(Math.sqrt((1 + 0 + 1 + 4) / 4), 12)
    expect(metrics.rmseRelativeToRange).toBeCloseTo(metrics.rmseNanoamps / 8, 12)
    expect(metrics.outputRangeNanoamps).toEqual([0, 8])
    expect(metrics.sampleCount).toBe(4)
    expect(testMetrics([1, 2], [3, 3]).rmseRelativeToRange).toBeNull()
  })
})
