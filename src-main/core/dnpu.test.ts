import { describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from './__fixtures__/demo-surrogate.js'
import { Dnpu } from './dnpu.js'
import { linearTransformConstants } from './input-transform.js'
import type { Processor } from './processor.js'
import { Rng } from './rng.js'
import { parseSurrogateJson, SurrogateModel } from './surrogate.js'
import { TYPICAL_VOLTAGE_RANGES_VOLTS } from './__fixtures__/typical-voltage-ranges.js'

const RANGES = TYPICAL_VOLTAGE_RANGES_VOLTS
const CORNERS = [
  [-1, -1],
  [-1, 1],
  [1, -1],
  [1, 1]
]

function makeDnpu(): Dnpu {
  return new Dnpu({
    activationElectrodeCount: 7,
    voltageRangesVolts: RANGES,
    dataElectrodes: [1, 2],
    inputRange: [-1, 1]
  })
}

function randomPool(dnpu: Dnpu, size: number, rng: Rng): number[][] {
  return Array.from({ length: size }, () => dnpu.controlRangesVolts.map(([lo, hi]) => rng.uniform(lo, hi)))
}

describe('linearTransformConstants', () => {
  it('matches the semantics page formulas', () => {
    // scale = (-0.95 - 0.55) / (-1 - 1) = 0.75; offset = (0.55 * -1 - -0.95 * 1) / (-2) = -0.2.
    const { scale, offset } = linearTransformConstants(-0.95, 0.55, -1, 1)
    expect(scale).toBeCloseTo(0.75, 12)
    expect(offset).toBeCloseTo(-0.2, 12)
    const other = linearTransformConstants(0, 10, 2, 4)
    expect(2 * other.scale + other.offset).toBeCloseTo(0, 12)
    expect(4 * other.scale + other.offset).toBeCloseTo(10, 12)
    expect(() => linearTransformConstants(0, 1, 1, 1)).toThrow(/empty/)
  })
})

describe('Dnpu', () => {
  it('splits data and control electrodes', () => {
    const dnpu = makeDnpu()
    expect(dnpu.controlElectrodes).toEqual([0, 3, 4, 5, 6])
    expect(dnpu.controlRangesVolts).toEqual([RANGES[0], RANGES[3], RANGES[4], RANGES[5], RANGES[6]])
  })

  it('maps task inputs onto each data electrode range (and clips to the input range)', () => {
    const voltages = makeDnpu().dataVoltages([...CORNERS, [0, 0], [3, -3]])
    expect(voltages[0]![0]).toBeCloseTo(-0.95, 12)
    expect(voltages[0]![1]).toBeCloseTo(-1.0, 12)
    expect(voltages[3]![0]).toBeCloseTo(0.55, 12)
    expect(voltages[3]![1]).toBeCloseTo(0.6, 12)
    expect(voltages[4]![0]).toBeCloseTo(-0.2, 12)
    expect(voltages[4]![1]).toBeCloseTo(-0.2, 12)
    expect(voltages[5]![0]).toBeCloseTo(0.55, 12)
    expect(voltages[5]![1]).toBeCloseTo(-1.0, 12)
  })

  it('assembles genome-major rows with data and controls at their electrodes', () => {
    const dnpu = makeDnpu()
    const pool = [
      [-0.1, -0.2, -0.3, -0.4, -0.5],
      [0.1, 0.2, 0.3, 0.4, 0.3]
    ]
    const batch = dnpu.assembleBatch(CORNERS, pool)
    expect(batch).toHaveLength(2 * 4 * 7)
    const row = (r: number): number[] => Array.from(batch.subarray(r * 7, r * 7 + 7))
    const data = dnpu.dataVoltages(CORNERS)
    // Row 5 = genome 1, point 1.
    const expected5 = [0.1, data[1]![0]!, data[1]![1]!, 0.2, 0.3, 0.4, 0.3]
    row(5).forEach((v, i) => expect(v).toBeCloseTo(expected5[i]!, 6))
    const expected2 = [-0.1, data[2]![0]!, data[2]![1]!, -0.2, -0.3, -0.4, -0.5]
    row(2).forEach((v, i) => expect(v).toBeCloseTo(expected2[i]!, 6))
  })

  it('refuses control voltages outside their ranges and malformed options', () => {
    const dnpu = makeDnpu()
    expect(() => dnpu.assembleBatch(CORNERS, [[0, 0, 0, 0, 0.4]])).toThrow(/electrode 6 is outside/)
    expect(() => dnpu.assembleBatch(CORNERS, [[0, 0, 0, 0]])).toThrow(/4 control voltages/)
    expect(
      () =>
        new Dnpu({
          activationElectrodeCount: 7,
          voltageRangesVolts: RANGES,
          dataElectrodes: [1, 7],
          inputRange: [-1, 1]
        })
    ).toThrow(/data electrode 7/)
    expect(
      () =>
        new Dnpu({
          activationElectrodeCount: 7,
          voltageRangesVolts: RANGES,
          dataElectrodes: [1, 1],
          inputRange: [-1, 1]
        })
    ).toThrow(/duplicates/)
    expect(
      () =>
        new Dnpu({ activationElectrodeCount: 7, voltageRangesVolts: RANGES, dataElectrodes: [1], inputRange: [1, -1] })
    ).toThrow(/inputRange/)
  })

  it('evaluates a pool in one batched call, equal to genome-by-genome evaluation', async () => {
    const model = new SurrogateModel(parseSurrogateJson(DEMO_SURROGATE_JSON))
    let calls = 0
    const counting: Processor = {
      activationElectrodeCount: model.activationElectrodeCount,
      voltageRangesVolts: model.voltageRangesVolts,
      clippingValueNanoamps: model.clippingValueNanoamps,
      forwardNanoamps: (inputs, rows) => {
        calls += 1
        return model.forwardNanoamps(inputs, rows)
      }
    }
    const dnpu = Dnpu.forProcessor(model, { dataElectrodes: [1, 2], inputRange: [-1, 1] })
    const pool = randomPool(dnpu, 26, new Rng(4))
    const batched = await dnpu.evaluatePool(counting, CORNERS, pool)
    expect(calls).toBe(1)
    expect(batched).toHaveLength(26)
    for (let g = 0; g < pool.length; g += 1) {
      const [single] = await dnpu.evaluatePool(model, CORNERS, [pool[g]!])
      single!.forEach((v, p) =>
        expect(Math.abs(batched[g]![p]! - v)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(v)))
      )
      // And against the float64 reference row by row.
      const rows = CORNERS.map((_, p) => Array.from(dnpu.assembleBatch([CORNERS[p]!], [pool[g]!])))
      const reference = model.forwardNanoampsReference(rows).map((r) => r[0]!)
      reference.forEach((v, p) =>
        expect(Math.abs(batched[g]![p]! - v)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(v)))
      )
    }
  })
})
