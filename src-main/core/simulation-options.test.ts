import { describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from './__fixtures__/demo-surrogate.js'
import { Rng } from './rng.js'
import { parseSurrogateJson, SurrogateModel } from './surrogate.js'

const definition = parseSurrogateJson(DEMO_SURROGATE_JSON)

function rows(count: number): { flat: Float32Array; list: number[][] } {
  const rng = new Rng(11)
  const list = Array.from({ length: count }, () => definition.voltageRangesVolts.map(([lo, hi]) => rng.uniform(lo, hi)))
  return { flat: Float32Array.from(list.flat()), list }
}

describe('simulation options', () => {
  it('Rng.gaussian has the requested mean and spread and is reproducible', () => {
    const draw = (seed: number): number[] => {
      const rng = new Rng(seed)
      return Array.from({ length: 20000 }, () => rng.gaussian(3, 2))
    }
    const samples = draw(5)
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length
    const variance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1)
    expect(mean).toBeCloseTo(3, 1)
    expect(Math.sqrt(variance)).toBeCloseTo(2, 1)
    expect(draw(5)).toEqual(samples)
  })

  it('overrides amplification and clipping', async () => {
    const { flat, list } = rows(50)
    const plain = new SurrogateModel(definition)
    const overridden = new SurrogateModel(definition, { amplification: 10, clippingValueNanoamps: [-5, 5] })
    const expected = plain
      .forwardNanoampsReference(list)
      .map(([value]) => Math.min(5, Math.max(-5, (value! / 28.5) * 10)))
    const got = await overridden.forwardNanoamps(flat, list.length)
    got.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 3))
    expect(overridden.clippingValueNanoamps).toEqual([-5, 5])
    expect(() => new SurrogateModel(definition, { clippingValueNanoamps: [5, -5] })).toThrow(/lo < hi/)
    plain.dispose()
    overridden.dispose()
  })

  it('adds seeded Gaussian noise before clipping', async () => {
    const { flat, list } = rows(2000)
    const clean = await new SurrogateModel(definition).forwardNanoamps(flat, list.length)
    const noisy = (seed: number) =>
      new SurrogateModel(definition, { outputNoise: { stdNanoamps: 0.5, rng: new Rng(seed) } }).forwardNanoamps(
        flat,
        list.length
      )
    const first = await noisy(1)
    expect(Array.from(await noisy(1))).toEqual(Array.from(first))
    expect(Array.from(await noisy(2))).not.toEqual(Array.from(first))
    const [lo, hi] = definition.clippingValueNanoamps
    const residuals = Array.from(first)
      .map((value, i) => ({ value, clean: clean[i]! }))
      .filter(({ clean: c }) => c > lo + 5 && c < hi - 5)
      .map(({ value, clean: c }) => value - c)
    const std = Math.sqrt(residuals.reduce((a, r) => a + r * r, 0) / residuals.length)
    expect(std).toBeGreaterThan(0.45)
    expect(std).toBeLessThan(0.55)
    expect(first.every((value) => value >= lo && value <= hi)).toBe(true)
  })
})
