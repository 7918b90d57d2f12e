import { describe, expect, it } from 'vitest'
import { generateRingData, ringRadii, splitDataset } from './ring.js'

const radius = ([x, y]: number[]) => Math.hypot(x!, y!)

describe('generateRingData', () => {
  it('gives balanced, interleaved classes inside [-1, 1]^2', () => {
    const data = generateRingData({ sampleCount: 500, gap: 0.4, seed: 3 })
    expect(data.inputs).toHaveLength(500)
    expect(data.targets.filter((t) => t === 1)).toHaveLength(250)
    data.targets.forEach((t, i) => expect(t).toBe(i % 2))
    data.inputs.forEach((p) => p.forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(1)))
  })

  it('leaves the gap band empty and puts each class on its side', () => {
    for (const gap of [0, 0.2, 0.5, 0.9]) {
      const data = generateRingData({ sampleCount: 400, gap, seed: 7 })
      const { innerLimit, outerStart } = ringRadii(gap)
      expect(outerStart - innerLimit).toBeCloseTo(gap, 12)
      data.inputs.forEach((p, i) => {
        const r = radius(p)
        if (data.targets[i] === 0) expect(r).toBeLessThanOrEqual(innerLimit + 1e-12)
        else {
          expect(r).toBeGreaterThanOrEqual(outerStart - 1e-12)
          expect(r).toBeLessThanOrEqual(1 + 1e-12)
        }
      })
    }
  })

  it('is deterministic per seed', () => {
    const a = generateRingData({ sampleCount: 100, gap: 0.3, seed: 1 })
    expect(generateRingData({ sampleCount: 100, gap: 0.3, seed: 1 })).toEqual(a)
    expect(generateRingData({ sampleCount: 100, gap: 0.3, seed: 2 }).inputs).not.toEqual(a.inputs)
  })

  it('refuses odd counts and bad gaps', () => {
    expect(() => generateRingData({ sampleCount: 3, gap: 0.3, seed: 1 })).toThrow(/even/)
    expect(() => generateRingData({ sampleCount: 4, gap: 1, seed: 1 })).toThrow(/gap/)
  })
})

describe('splitDataset', () => {
  it('splits into balanced, disjoint, deterministic parts', () => {
    const data = generateRingData({ sampleCount: 1000, gap: 0.4, seed: 5 })
    const split = splitDataset(data, { train: 0.8, validation: 0.1, test: 0.1 }, 9)
    expect(split.train.inputs).toHaveLength(800)
    expect(split.validation.inputs).toHaveLength(100)
    expect(split.test.inputs).toHaveLength(100)
    for (const part of [split.train, split.validation, split.test]) {
      const ones = part.targets.filter((t) => t === 1).length
      expect(Math.abs(2 * ones - part.targets.length)).toBeLessThanOrEqual(1)
    }
    const keys = [split.train, split.validation, split.test].flatMap((p) => p.inputs.map((q) => q.join(',')))
    expect(new Set(keys).size).toBe(1000)
    expect(splitDataset(data, { train: 0.8, validation: 0.1, test: 0.1 }, 9)).toEqual(split)
  })
})
