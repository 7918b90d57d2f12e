import { describe, expect, it } from 'vitest'
import { Rng } from '../rng.js'
import { GeneticOptimizer, type GeneticOptimizerState } from './genetic-optimizer.js'

const CONTROL_RANGES: [number, number][] = [
  [-0.55, 0.325],
  [-1.0, 0.6],
  [-1.0, 0.6],
  [-0.95, 0.55],
  [-0.55, 0.325]
]

function makeOptimizer(seed = 1, partition: [number, number] = [4, 22]): GeneticOptimizer {
  return new GeneticOptimizer({ geneRanges: CONTROL_RANGES, partition, epochs: 100, seed })
}

function inRange(pool: number[][], ranges: [number, number][]): boolean {
  return pool.every((genome) => genome.every((v, k) => v >= ranges[k]![0] && v <= ranges[k]![1]))
}

function randomFitness(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.uniform(-1, 1))
}

describe('GeneticOptimizer setup', () => {
  it('draws the initial pool uniformly inside the gene ranges', () => {
    const optimizer = makeOptimizer()
    expect(optimizer.pool).toHaveLength(26)
    expect(optimizer.generation).toBe(0)
    expect(inRange(optimizer.pool, CONTROL_RANGES)).toBe(true)
    expect(makeOptimizer().pool).toEqual(optimizer.pool)
    expect(makeOptimizer(2).pool).not.toEqual(optimizer.pool)
  })

  it('refuses bad options', () => {
    expect(() => new GeneticOptimizer({ geneRanges: CONTROL_RANGES, partition: [1, 0], epochs: 10, seed: 1 })).toThrow(
      /partition/
    )
    expect(() => new GeneticOptimizer({ geneRanges: [[1, 0]], partition: [4, 22], epochs: 10, seed: 1 })).toThrow(
      /gene range 0/
    )
    expect(() => new GeneticOptimizer({ geneRanges: CONTROL_RANGES, partition: [4, 22], epochs: 0, seed: 1 })).toThrow(
      /epochs/
    )
  })
})

describe('linearRank', () => {
  it('goes linearly from 1.5/N (best) to 0.5/N (worst) and sums to 1', () => {
    const ranks = makeOptimizer().linearRank()
    expect(ranks).toHaveLength(26)
    expect(ranks[0]).toBeCloseTo(1.5 / 26, 14)
    expect(ranks[25]).toBeCloseTo(0.5 / 26, 14)
    ranks.forEach((p, r) => expect(p).toBeCloseTo((1.5 - r / 25) / 26, 14))
    expect(ranks.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
  })
})

describe('mutationRate', () => {
  it('follows 0.625 / (2 + 5 g / (epochs - 1))', () => {
    const optimizer = makeOptimizer()
    expect(optimizer.mutationRate(0)).toBeCloseTo(0.3125, 14)
    expect(optimizer.mutationRate(33)).toBeCloseTo(0.625 / (2 + 5 / 3), 14)
    expect(optimizer.mutationRate(99)).toBeCloseTo(0.625 / 7, 14)
  })

  it('treats the divisor as 1 with a single epoch', () => {
    const single = new GeneticOptimizer({ geneRanges: CONTROL_RANGES, partition: [4, 22], epochs: 1, seed: 1 })
    expect(single.mutationRate(0)).toBeCloseTo(0.3125, 14)
    expect(single.mutationRate(1)).toBeCloseTo(0.625 / 7, 14)
  })
})

describe('crossoverBlxab', () => {
  const wide: [number, number][] = [
    [-10, 10],
    [-10, 10],
    [-10, 10]
  ]
  function draws(better: number[], worse: number[], ranges = wide, n = 4000): number[][] {
    const optimizer = new GeneticOptimizer({ geneRanges: ranges, partition: [1, 1], epochs: 10, seed: 21 })
    return Array.from({ length: n }, () => optimizer.crossoverBlxab(better, worse))
  }
  const column = (rows: number[][], k: number): number[] => rows.map((row) => row[k]!)

  it('extends alpha*d towards a better parent above, beta*d below', () => {
    // Gene 0: better 0.5 > worse 0, d = 0.5: U(0 - 0.4 d, 0.5 + 0.6 d) = U(-0.2, 0.8).
    // Gene 1: equal alleles are copied. Gene 2: better 0 < worse 0.5: U(0 - 0.6 d, 0.5 + 0.4 d) = U(-0.3, 0.7).
    const children = draws([0.5, 0.25, 0], [0, 0.25, 0.5])
    const gene0 = column(children, 0)
    expect(Math.min(...gene0)).toBeGreaterThanOrEqual(-0.2)
    expect(Math.max(...gene0)).toBeLessThan(0.8)
    expect(Math.min(...gene0)).toBeLessThan(-0.19)
    expect(Math.max(...gene0)).toBeGreaterThan(0.79)
    expect(gene0.reduce((a, b) => a + b, 0) / gene0.length).toBeCloseTo(0.3, 1)
    expect(new Set(column(children, 1))).toEqual(new Set([0.25]))
    const gene2 = column(children, 2)
    expect(Math.min(...gene2)).toBeGreaterThanOrEqual(-0.3)
    expect(Math.max(...gene2)).toBeLessThan(0.7)
    expect(Math.min(...gene2)).toBeLessThan(-0.29)
    expect(Math.max(...gene2)).toBeGreaterThan(0.69)
  })

  it('clamps into the gene range', () => {
    // better 0.9 > worse 0.5, d = 0.4: U(0.34, 1.14), clamped into [0, 1].
    const children = draws([0.9], [0.5], [[0, 1]])
    const gene = column(children, 0)
    expect(Math.max(...gene)).toBe(1)
    expect(Math.min(...gene)).toBeGreaterThanOrEqual(0.34)
    expect(gene.filter((v) => v === 1).length / gene.length).toBeCloseTo(0.14 / 0.8, 1)
  })

  it('consumes no random draw for equal alleles', () => {
    const a = new GeneticOptimizer({ geneRanges: wide, partition: [1, 1], epochs: 10, seed: 3 })
    const b = new GeneticOptimizer({ geneRanges: wide, partition: [1, 1], epochs: 10, seed: 3 })
    a.crossoverBlxab([1, 2, 3], [1, 2, 3])
    expect(a.rng.random()).toBe(b.rng.random())
  })
})

describe('universalSampling', () => {
  it('picks each rank floor or ceil of its expected count, proportional to rank probability', () => {
    const optimizer = makeOptimizer(5)
    const probabilities = optimizer.linearRank()
    const picksPerCall = 44
    const totals = new Array<number>(26).fill(0)
    let shuffled = false
    const violations: string[] = []
    const calls = 2000
    for (let c = 0; c < calls; c += 1) {
      const chosen = optimizer.universalSampling()
      if (chosen.length !== picksPerCall) violations.push(`call ${c}: ${chosen.length} picks`)
      const counts = new Array<number>(26).fill(0)
      chosen.forEach((i) => (counts[i]! += 1))
      // SUS property: every genome is picked floor or ceil of its expectation in EVERY call.
      counts.forEach((count, i) => {
        const expected = picksPerCall * probabilities[i]!
        if (count < Math.floor(expected - 1e-9) || count > Math.ceil(expected + 1e-9))
          violations.push(`call ${c}: rank ${i} picked ${count}x`)
        totals[i]! += count
      })
      shuffled ||= chosen.some((v, k) => k > 0 && v < chosen[k - 1]!)
    }
    expect(violations).toEqual([])
    totals.forEach((total, i) => expect(total / calls).toBeCloseTo(picksPerCall * probabilities[i]!, 1))
    expect(shuffled).toBe(true)
  })
})

describe('pairParents', () => {
  it('pairs neighbours, better (lower rank index) first, moving self-pairs by one', () => {
    const optimizer = makeOptimizer()
    expect(optimizer.pairParents([5, 2, 3, 3, 0, 0, 1, 7])).toEqual([
      [2, 5],
      [2, 3],
      [0, 1],
      [1, 7]
    ])
  })
})

describe('step', () => {
  it('keeps the elite (best first, ties in pool order) and keeps every gene in range', () => {
    const optimizer = makeOptimizer(7)
    const rng = new Rng(70)
    for (let generation = 0; generation < 30; generation += 1) {
      const before = optimizer.pool.map((genome) => [...genome])
      const fitness = randomFitness(rng, 26)
      fitness[3] = fitness[10] = 5 // a tie at the top: index 3 must come first
      const next = optimizer.step(fitness)
      const order = [
        3,
        10,
        ...fitness
          .map((f, i) => [f, i] as const)
          .filter(([, i]) => i !== 3 && i !== 10)
          .sort((a, b) => b[0] - a[0])
          .map(([, i]) => i)
      ]
      for (let e = 0; e < 4; e += 1) expect(next[e]).toEqual(before[order[e]!])
      expect(inRange(next, CONTROL_RANGES)).toBe(true)
      expect(optimizer.generation).toBe(generation + 1)
    }
  })

  it('replaces the whole non-elite part with offspring', () => {
    const optimizer = makeOptimizer(8)
    const before = optimizer.pool.map((genome) => genome.join())
    const next = optimizer.step(randomFitness(new Rng(80), 26))
    const survivors = next.slice(4).filter((genome) => before.includes(genome.join()))
    expect(survivors).toHaveLength(0)
  })

  it('re-draws duplicates so no two genomes are equal', () => {
    const base = makeOptimizer(9).getState()
    const clone = base.pool[0]!
    const state: GeneticOptimizerState = { ...base, pool: base.pool.map(() => [...clone]) }
    const optimizer = GeneticOptimizer.fromState(state)
    const next = optimizer.step(new Array<number>(26).fill(0))
    const distinct = new Set(next.map((genome) => genome.join()))
    expect(distinct.size).toBe(26)
    expect(next[0]).toEqual(clone) // the first occurrence is kept
    expect(inRange(next, CONTROL_RANGES)).toBe(true)
  })

  it('never moves a gene whose range is a single value', () => {
    const ranges: [number, number][] = [
      [-1, 1],
      [0.2, 0.2]
    ]
    const optimizer = new GeneticOptimizer({ geneRanges: ranges, partition: [2, 8], epochs: 20, seed: 4 })
    const rng = new Rng(40)
    for (let g = 0; g < 20; g += 1) optimizer.step(randomFitness(rng, 10))
    expect(optimizer.pool.every((genome) => genome[1] === 0.2)).toBe(true)
  })

  it('treats NaN fitness as the worst', () => {
    const optimizer = makeOptimizer(12)
    const before = optimizer.pool.map((genome) => [...genome])
    const fitness = new Array<number>(26).fill(Number.NaN)
    fitness[20] = -5
    expect(optimizer.step(fitness)[0]).toEqual(before[20])
  })
})

describe('determinism and state', () => {
  it('same seed and fitness give identical pools; state round-trips through JSON', () => {
    const a = makeOptimizer(77)
    const b = makeOptimizer(77)
    const fitnessRng = new Rng(700)
    const fitnessSequence = Array.from({ length: 20 }, () => randomFitness(fitnessRng, 26))
    fitnessSequence.slice(0, 8).forEach((f) => {
      a.step(f)
      b.step(f)
    })
    expect(b.pool).toEqual(a.pool)
    const resumed = GeneticOptimizer.fromState(JSON.parse(JSON.stringify(b.getState())) as GeneticOptimizerState)
    expect(resumed.generation).toBe(8)
    fitnessSequence.slice(8).forEach((f) => {
      a.step(f)
      resumed.step(f)
    })
    expect(resumed.pool).toEqual(a.pool)
    expect(resumed.getState()).toEqual(a.getState())
  })
})
