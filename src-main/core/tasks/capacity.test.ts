import { describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from '../__fixtures__/demo-surrogate.js'
import { TYPICAL_VOLTAGE_RANGES_VOLTS } from '../__fixtures__/typical-voltage-ranges.js'
import type { Processor } from '../processor.js'
import { Dnpu } from '../dnpu.js'
import { parseSurrogateJson, SurrogateModel } from '../surrogate.js'
import {
  bestThresholdCorrectPoints,
  capacityAttemptSeed,
  capacityPerceptronSeed,
  CapacitySweep,
  judgeCapacityOutput,
  requiredCorrectPoints,
  runCapacitySweep,
  vcDimensionInputs,
  vcDimensionLabelings,
  type CapacityProgress,
  type CapacitySweepOptions
} from './capacity.js'

const demo = new SurrogateModel(parseSurrogateJson(DEMO_SURROGATE_JSON))

/** A processor whose output (nA) is one electrode's voltage, or a constant: outcomes known in advance. */
function fakeProcessor(output: { electrode: number } | { constant: number }): Processor & { rowsSeen: number } {
  const processor = {
    activationElectrodeCount: 7,
    voltageRangesVolts: TYPICAL_VOLTAGE_RANGES_VOLTS,
    clippingValueNanoamps: [-1000, 1000] as const,
    rowsSeen: 0,
    forwardNanoamps(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array> {
      processor.rowsSeen += rowCount
      return Promise.resolve(
        Float32Array.from({ length: rowCount }, (_, row) =>
          'constant' in output ? output.constant : inputsVolts[row * 7 + output.electrode]!
        )
      )
    }
  }
  return processor
}

const tiny = (overrides: Partial<CapacitySweepOptions> = {}): CapacitySweepOptions => ({
  processor: demo,
  fromN: 4,
  toN: 4,
  attempts: 1,
  generations: 4,
  seed: 7,
  ...overrides
})

describe('VC-dimension data', () => {
  it('takes the first N points and lists the 2^N - 2 non-constant labelings in the reference order', () => {
    expect(vcDimensionInputs(4)).toEqual([
      [-0.5, -0.5],
      [-0.5, 1],
      [1, -0.5],
      [1, 1]
    ])
    expect(vcDimensionInputs(10)[9]).toEqual([0.8125, -1])
    const four = vcDimensionLabelings(4)
    expect(four).toHaveLength(14)
    expect(four[0]).toEqual([0, 0, 0, 1])
    expect(four[5]).toEqual([0, 1, 1, 0])
    expect(four[13]).toEqual([1, 1, 1, 0])
    const ten = vcDimensionLabelings(10)
    expect(ten).toHaveLength(1022)
    expect(new Set(ten.map((l) => l.join(''))).size).toBe(1022)
    ten.forEach((labeling) => expect(labeling.includes(0) && labeling.includes(1)).toBe(true))
  })

  it('needs ceil(N - thresholdParameter) correct points', () => {
    expect(requiredCorrectPoints(4, 0.5)).toBe(4)
    expect(requiredCorrectPoints(10, 0.5)).toBe(10)
    expect(requiredCorrectPoints(10, 1)).toBe(9)
    expect(requiredCorrectPoints(5, 1.5)).toBe(4)
  })

  it('finds the best single threshold, in either orientation, never splitting equal outputs', () => {
    expect(bestThresholdCorrectPoints([1, 2, 3, 4], [0, 0, 1, 1])).toBe(4)
    expect(bestThresholdCorrectPoints([4, 3, 2, 1], [0, 0, 1, 1])).toBe(4)
    expect(bestThresholdCorrectPoints([1, 2, 3, 4], [0, 1, 0, 1])).toBe(3)
    expect(bestThresholdCorrectPoints([1, 1, 2], [0, 1, 1])).toBe(2)
    expect(bestThresholdCorrectPoints([5, 5, 5, 5], [0, 1, 1, 1])).toBe(3)
  })

  it('derives a different seed per attempt, labeling and N', () => {
    const seeds = [
      capacityAttemptSeed(1, 4, 0, 1),
      capacityAttemptSeed(1, 4, 0, 2),
      capacityAttemptSeed(1, 4, 1, 1),
      capacityAttemptSeed(1, 5, 0, 1),
      capacityAttemptSeed(2, 4, 0, 1)
    ]
    expect(new Set(seeds).size).toBe(seeds.length)
    seeds.forEach((seed) => expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true))
    expect(capacityAttemptSeed(1, 4, 0, 1)).toBe(seeds[0])
  })
})

describe('runCapacitySweep', () => {
  it('tries the 14 labelings of N = 4 on the demo surrogate and reports each one', async () => {
    const progress: CapacityProgress[] = []
    const result = await runCapacitySweep(tiny(), (p) => progress.push(p))
    expect(result.seed).toBe(7)
    expect(result.stopped).toBe(false)
    expect(result.perN).toHaveLength(1)
    const [four] = result.perN
    expect(four).toMatchObject({ n: 4, labelings: 14, evaluated: 14 })
    expect(four!.results.map((r) => r.labeling)).toEqual(vcDimensionLabelings(4))
    expect(four!.found).toBe(four!.results.filter((r) => r.found).length)
    expect(four!.capacity).toBe(four!.found / 14)
    for (const r of four!.results) {
      // N = 4 with threshold parameter 0.5 needs every point right.
      expect(r.found).toBe(r.accuracyPercent === 100)
      expect(r.attempts).toBe(1)
      expect(r.generations).toBeGreaterThanOrEqual(1)
      expect(r.generations).toBeLessThanOrEqual(4)
      expect(Math.abs(r.correlation)).toBeLessThanOrEqual(1)
    }
    expect(progress.map((p) => p.labelingIndex)).toEqual([...Array(14).keys()])
    expect(progress.map((p) => p.sweepDone)).toEqual([...Array(14).keys()].map((i) => i + 1))
    expect(progress.every((p) => p.n === 4 && p.labelings === 14 && p.sweepTotal === 14)).toBe(true)
    expect(progress.at(-1)!.foundSoFar).toBe(four!.found)
    expect(progress.map((p) => p.result)).toEqual(four!.results)
  })

  it("keeps each labeling's best controls: played again and judged with its attempt's perceptron seed, every verdict repeats", async () => {
    const result = await runCapacitySweep(tiny({ fromN: 4, toN: 5, attempts: 2, generations: 6 }))
    const dnpu = Dnpu.forProcessor(demo, { dataElectrodes: [1, 2], inputRange: [-1, 1] })
    let found = 0
    for (const { n, results } of result.perN) {
      const outputs = await dnpu.evaluatePool(
        demo,
        vcDimensionInputs(n),
        results.map((r) => r.controlVoltages!)
      )
      results.forEach((r, labelingIndex) => {
        expect(r.controlVoltages).toHaveLength(5)
        const judged = judgeCapacityOutput(
          outputs[labelingIndex]!,
          r.labeling,
          0.5,
          capacityPerceptronSeed(result.seed, n, labelingIndex, r.attempts)
        )
        if (r.found) {
          // The attempt that found it is the last one made, and its seed gives the same verdict.
          expect(judged).toEqual({ found: true, accuracyPercent: r.accuracyPercent })
          found += 1
        }
      })
    }
    expect(found).toBeGreaterThan(0)
  })

  it('gives the same result for the same seed, and N = 5 does not depend on where the sweep starts', async () => {
    const a = await runCapacitySweep(tiny({ toN: 5, generations: 3, seed: 11 }))
    const b = await runCapacitySweep(tiny({ toN: 5, generations: 3, seed: 11 }))
    expect(b).toEqual(a)
    const fromFive = await runCapacitySweep(tiny({ fromN: 5, toN: 5, generations: 3, seed: 11 }))
    expect(fromFive.perN).toEqual([a.perN[1]])
    const other = await runCapacitySweep(tiny({ generations: 3, seed: 12 }))
    expect(other.perN[0]!.results.map((r) => r.correlation)).not.toEqual(a.perN[0]!.results.map((r) => r.correlation))
  })

  it('finds exactly the labelings one input electrode separates, on the first attempt and generation', async () => {
    // Output = the voltage on electrode 1, which carries x: x = [-0.5, -0.5, 1, 1] separates only 0011 and 1100.
    const processor = fakeProcessor({ electrode: 1 })
    const result = await runCapacitySweep(tiny({ processor, attempts: 2, generations: 3 }))
    const four = result.perN[0]!
    expect(four.results.filter((r) => r.found).map((r) => r.labeling.join(''))).toEqual(['0011', '1100'])
    expect(four.found).toBe(2)
    expect(four.capacity).toBeCloseTo(2 / 14, 12)
    for (const r of four.results) {
      if (r.found) expect(r).toMatchObject({ attempts: 1, generations: 1, accuracyPercent: 100 })
      // Unseparable: every attempt runs all its generations; the best single threshold gets 3 of 4.
      else expect(r).toMatchObject({ attempts: 2, generations: 6 })
      if (!r.found) expect(r.accuracyPercent).toBeLessThanOrEqual(75)
    }
  })

  it('lowers the bar with thresholdParameter: 1 - 3.5/4 needs only one correct point', async () => {
    const result = await runCapacitySweep(
      tiny({ processor: fakeProcessor({ electrode: 1 }), thresholdParameter: 3.5, generations: 3 })
    )
    expect(result.perN[0]!.found).toBe(14)
    result.perN[0]!.results.forEach((r) => expect(r.generations).toBe(1))
  })

  it('counts a constant output as not found after every attempt', async () => {
    const processor = fakeProcessor({ constant: 3 })
    const result = await runCapacitySweep(tiny({ processor, attempts: 3, generations: 2 }))
    const four = result.perN[0]!
    expect(four.found).toBe(0)
    expect(four.capacity).toBe(0)
    four.results.forEach((r) =>
      expect(r).toMatchObject({ found: false, attempts: 3, generations: 6, accuracyPercent: 0, correlation: 0 })
    )
    // 14 labelings x 3 attempts x 2 generations x 26 genomes x 4 points.
    expect(processor.rowsSeen).toBe(14 * 3 * 2 * 26 * 4)
  })

  it('stops between generations when the signal is aborted, keeping the labelings finished', async () => {
    const controller = new AbortController()
    const result = await runCapacitySweep(tiny({ toN: 5, signal: controller.signal }), (p) => {
      if (p.sweepDone === 3) controller.abort()
    })
    expect(result.stopped).toBe(true)
    expect(result.perN).toHaveLength(1)
    expect(result.perN[0]).toMatchObject({ n: 4, labelings: 14, evaluated: 3 })
    expect(result.perN[0]!.results).toHaveLength(3)
    expect(result.perN[0]!.capacity).toBe(result.perN[0]!.found / 3)
  })

  it('stops before any work when shouldStop says so from the start', async () => {
    const processor = fakeProcessor({ electrode: 1 })
    const result = await runCapacitySweep(tiny({ processor, shouldStop: () => true }))
    expect(result).toEqual({ seed: 7, perN: [], stopped: true })
    expect(processor.rowsSeen).toBe(0)
  })

  it('draws a seed when none is given and reports it', async () => {
    const result = await runCapacitySweep(
      tiny({ processor: fakeProcessor({ electrode: 1 }), seed: undefined, generations: 1 })
    )
    expect(Number.isInteger(result.seed)).toBe(true)
  })

  it.each([
    [{ fromN: 3 }, /fromN must be a whole number from 4 to 10.*got 3/],
    [{ toN: 11 }, /toN must be a whole number from 4 to 10.*got 11/],
    [{ fromN: 6, toN: 5 }, /fromN \(6\) must not be greater than toN \(5\)/],
    [{ attempts: 0 }, /attempts must be a whole number of at least 1, got 0/],
    [{ generations: 1.5 }, /generations must be a whole number/],
    [{ thresholdParameter: -0.5 }, /thresholdParameter/],
    [{ dataElectrodes: [1] }, /dataElectrodes must name 2 electrodes/],
    [{ dataElectrodes: [1, 9] }, /data electrode 9/],
    [{ partition: [4, 0] as [number, number] }, /partition/],
    [{ seed: -1 }, /seed must be an integer/],
    [{ perceptron: { epochs: 0 } }, /perceptron\.epochs/]
  ])('refuses %j', async (overrides, message) => {
    const processor = fakeProcessor({ electrode: 1 })
    await expect(runCapacitySweep(tiny({ processor, ...overrides }))).rejects.toThrow(message)
    expect(processor.rowsSeen).toBe(0)
  })
})

describe('CapacitySweep', () => {
  it('continues from a JSON checkpoint exactly as the uninterrupted sweep', async () => {
    const options = tiny({ fromN: 4, toN: 5, generations: 3 })
    const whole = await runCapacitySweep(options)
    const first = new CapacitySweep(options)
    for (let i = 0; i < 17; i += 1) await first.step() // past N = 4's 14 labelings, into N = 5
    const checkpoint = JSON.parse(JSON.stringify(first.checkpoint())) as ReturnType<CapacitySweep['checkpoint']>
    expect(checkpoint.perN.map((entry) => entry.evaluated)).toEqual([14, 3])
    const resumed = new CapacitySweep(options, checkpoint)
    expect(resumed.sweepDone).toBe(17)
    while (!resumed.done) await resumed.step()
    expect(resumed.result(false)).toEqual(whole)
    await expect(resumed.step()).rejects.toThrow(/already decided/)
    expect(() => new CapacitySweep({ ...options, toN: 6 }, checkpoint)).toThrow(/does not match this sweep/)
  })

  it('leaves no empty entry when stopped before the first labeling of an N is decided', async () => {
    const sweep = new CapacitySweep(tiny({ generations: 50 }))
    expect(await sweep.step(() => true)).toBeNull()
    expect(sweep.checkpoint().perN).toEqual([])
    expect(sweep.sweepDone).toBe(0)
  })
})
