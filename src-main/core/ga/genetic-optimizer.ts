// brainspy's GeneticOptimizer with a seeded generator and a fixed order of random draws, so a
// run restarted from getState() continues with exactly the same pools.
//
// ORDER OF RANDOM DRAWS (changing it changes every seeded run; keep it):
//   constructor: initial pool row-major, genome 0 genes 0..G-1, genome 1, ...: one uniform each.
//   step(fitness):
//     1. universal sampling: one random() for the start pointer, then permutation(2*offspring)
//        (Fisher-Yates, 2*offspring - 1 draws) to shuffle the chosen parents.
//     2. crossover: pairs in order, per gene in order: one uniform() when the parents' alleles
//        differ, no draw when they are equal.
//     3. mutation: non-elite genomes in pool order, per gene in order: one random() for the
//        mask; if it is < rate, one triangular() draw (none when the gene range is lo == hi).
//     4. duplicates: genomes in pool order; a genome equal to an earlier one gets one
//        triangular() per gene in order (none when lo == hi).
import { randomSeed, Rng } from '../rng.js'

export type Partition = [elite: number, offspring: number]

export interface GeneticOptimizerOptions {
  geneRanges: readonly (readonly [number, number])[]
  partition: Partition
  /** Number of generations planned; only used by the mutation-rate schedule. */
  epochs: number
  alpha?: number | undefined
  beta?: number | undefined
  /** Seed for a new Rng; ignored when `rng` is given; drawn with randomSeed() when both are absent. */
  seed?: number | undefined
  rng?: Rng | undefined
}

export interface GeneticOptimizerState {
  version: 1
  geneRanges: [number, number][]
  partition: Partition
  epochs: number
  alpha: number
  beta: number
  pool: number[][]
  generation: number
  rngState: number[]
}

const DEFAULT_ALPHA = 0.6
const DEFAULT_BETA = 0.4
/** Linear ranking: the best genome gets MAX_RANK/N, the worst (2 - MAX_RANK)/N. */
const MAX_RANK = 1.5

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value))
}

function sameGenome(a: readonly number[], b: readonly number[]): boolean {
  return a.every((gene, i) => gene === b[i])
}

export class GeneticOptimizer {
  readonly geneRanges: readonly [number, number][]
  readonly partition: Partition
  readonly epochs: number
  readonly alpha: number
  readonly beta: number
  readonly rng: Rng
  pool: number[][]
  /** Number of step() calls done so far. */
  generation = 0

  /** `restored` is for fromState(): it skips drawing an initial pool so the rng stream is untouched. */
  constructor(options: GeneticOptimizerOptions, restored?: { pool: number[][]; generation: number }) {
    const { geneRanges, partition, epochs } = options
    if (geneRanges.length === 0) throw new RangeError('geneRanges must not be empty')
    geneRanges.forEach(([lo, hi], i) => {
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi))
        throw new RangeError(`gene range ${i} is invalid: [${lo}, ${hi}]`)
    })
    const [elite, offspring] = partition
    if (!Number.isInteger(elite) || elite < 0 || !Number.isInteger(offspring) || offspring < 1) {
      throw new RangeError(`partition must be [elite >= 0, offspring >= 1] integers, got [${elite}, ${offspring}]`)
    }
    if (elite + offspring < 2)
      throw new RangeError('the pool (elite + offspring) needs at least 2 genomes to pair parents')
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new RangeError(`epochs must be a positive integer, got ${epochs}`)
    this.geneRanges = geneRanges.map(([lo, hi]): [number, number] => [lo, hi])
    this.partition = [elite, offspring]
    this.epochs = epochs
    this.alpha = options.alpha ?? DEFAULT_ALPHA
    this.beta = options.beta ?? DEFAULT_BETA
    this.rng = options.rng ?? new Rng(options.seed ?? randomSeed())
    if (restored) {
      if (
        restored.pool.length !== elite + offspring ||
        restored.pool.some((genome) => genome.length !== geneRanges.length)
      ) {
        throw new RangeError('GeneticOptimizer state: pool shape does not match partition and gene ranges')
      }
      if (!Number.isInteger(restored.generation) || restored.generation < 0) {
        throw new RangeError(`GeneticOptimizer state: bad generation ${restored.generation}`)
      }
      this.pool = restored.pool.map((genome) => [...genome])
      this.generation = restored.generation
    } else {
      this.pool = Array.from({ length: elite + offspring }, () =>
        this.geneRanges.map(([lo, hi]) => this.rng.uniform(lo, hi))
      )
    }
  }

  get poolSize(): number {
    return this.partition[0] + this.partition[1]
  }

  /** Selection probability per rank (index 0 = best): linear from 1.5/N down to 0.5/N; sums to 1. */
  linearRank(): number[] {
    const n = this.poolSize
    const minRank = 2 - MAX_RANK
    return Array.from({ length: n }, (_, rank) => (MAX_RANK - ((MAX_RANK - minRank) * rank) / (n - 1)) / n)
  }

  /** 0.625 / (2 + 5 * generation / (epochs - 1)); with a single epoch the divisor is taken as 1. */
  mutationRate(generation: number): number {
    const divisor = this.epochs > 1 ? this.epochs - 1 : 1
    return 0.625 / (2 + (5 * generation) / divisor)
  }

  /**
   * Stochastic universal sampling of 2*offspring parent ranks over the cumulative linear-rank
   * probabilities: evenly spaced pointers 1/n apart (n = 2*offspring) from one random start in
   * [0, 1/n); the picks are then shuffled.
   */
  universalSampling(): number[] {
    const count = 2 * this.partition[1]
    const cumulative: number[] = []
    this.linearRank().reduce((sum, p) => {
      cumulative.push(sum + p)
      return sum + p
    }, 0)
    const distance = 1 / count
    const start = this.rng.random() * distance
    const picks: number[] = []
    for (let k = 0; k < count; k += 1) {
      const pointer = start + k * distance
      const index = cumulative.findIndex((c) => pointer < c)
      // Rounding can leave the last cumulative value a hair below 1: such a pointer picks the last genome.
      picks.push(index === -1 ? cumulative.length - 1 : index)
    }
    return this.rng.permutation(count).map((k) => picks[k]!)
  }

  /**
   * BLX-alpha-beta: per gene with d = |better - worse|, better > worse: U(min - beta*d, max + alpha*d);
   * equal: copy; better < worse: U(min - alpha*d, max + beta*d). The interval extends further
   * towards the better parent. Clamped into the gene range.
   */
  crossoverBlxab(better: readonly number[], worse: readonly number[]): number[] {
    return this.geneRanges.map(([lo, hi], g) => {
      const b = better[g]!
      const w = worse[g]!
      if (b === w) return b
      const min = Math.min(b, w)
      const max = Math.max(b, w)
      const d = max - min
      const value =
        b > w
          ? this.rng.uniform(min - this.beta * d, max + this.alpha * d)
          : this.rng.uniform(min - this.alpha * d, max + this.beta * d)
      return clamp(value, lo, hi)
    })
  }

  /**
   * Pairs (chosen[2i], chosen[2i+1]) as [better, worse] ranks. A genome paired with itself has
   * one index moved by one (up if it is 0, else down) so every child has two distinct parents.
   * The lower index (higher rank) is the better parent.
   */
  pairParents(chosen: readonly number[]): [better: number, worse: number][] {
    const pairs: [number, number][] = []
    for (let i = 0; i + 1 < chosen.length; i += 2) {
      let first = chosen[i]!
      const second = chosen[i + 1]!
      if (first === second) first = first === 0 ? 1 : first - 1
      pairs.push([Math.min(first, second), Math.max(first, second)])
    }
    return pairs
  }

  /**
   * Next generation from the fitness of the current pool (same order as `pool`): sort best
   * first, keep the elite, replace the rest by offspring, mutate the non-elite, re-draw
   * duplicates. NaN fitness counts as the worst. Returns the new pool.
   */
  step(fitness: readonly number[]): number[][] {
    const n = this.poolSize
    if (fitness.length !== n) throw new RangeError(`fitness has ${fitness.length} values for a pool of ${n}`)
    const elite = this.partition[0]

    // Stable descending sort (Array.prototype.sort is stable): ties keep their pool order.
    const score = (i: number): number => (Number.isNaN(fitness[i]) ? Number.NEGATIVE_INFINITY : fitness[i]!)
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score(b) - score(a) || a - b)
    const sorted = order.map((i) => [...this.pool[i]!])

    const next = sorted.map((genome) => [...genome])
    this.pairParents(this.universalSampling()).forEach(([better, worse], child) => {
      next[elite + child] = this.crossoverBlxab(sorted[better]!, sorted[worse]!)
    })

    const rate = this.mutationRate(this.generation)
    for (let g = elite; g < n; g += 1) {
      const genome = next[g]!
      this.geneRanges.forEach(([lo, hi], k) => {
        if (this.rng.random() < rate) genome[k] = this.triangularGene(lo, genome[k]!, hi)
      })
    }

    this.removeDuplicates(next)
    this.pool = next
    this.generation += 1
    return this.pool.map((genome) => [...genome])
  }

  getState(): GeneticOptimizerState {
    return {
      version: 1,
      geneRanges: this.geneRanges.map(([lo, hi]): [number, number] => [lo, hi]),
      partition: [this.partition[0], this.partition[1]],
      epochs: this.epochs,
      alpha: this.alpha,
      beta: this.beta,
      pool: this.pool.map((genome) => [...genome]),
      generation: this.generation,
      rngState: this.rng.getState()
    }
  }

  static fromState(state: GeneticOptimizerState): GeneticOptimizer {
    if (state.version !== 1) throw new Error(`unsupported GeneticOptimizer state version ${String(state.version)}`)
    return new GeneticOptimizer(
      {
        geneRanges: state.geneRanges,
        partition: state.partition,
        epochs: state.epochs,
        alpha: state.alpha,
        beta: state.beta,
        rng: Rng.fromState(state.rngState)
      },
      { pool: state.pool, generation: state.generation }
    )
  }

  /** A genome equal to an earlier one (in pool order) gets every gene re-drawn triangular(lo, gene, hi). */
  private removeDuplicates(pool: number[][]): void {
    for (let j = 1; j < pool.length; j += 1) {
      const genome = pool[j]!
      if (!pool.slice(0, j).some((earlier) => sameGenome(earlier, genome))) continue
      this.geneRanges.forEach(([lo, hi], k) => (genome[k] = this.triangularGene(lo, genome[k]!, hi)))
    }
  }

  // Clamped because the sqrt in the inverse CDF can land one ulp outside [lo, hi], and a
  // control voltage must never leave its range.
  private triangularGene(lo: number, mode: number, hi: number): number {
    return clamp(this.rng.triangular(lo, clamp(mode, lo, hi), hi), lo, hi)
  }
}
