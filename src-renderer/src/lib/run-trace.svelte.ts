import type { AlignedData } from 'uplot'
import type { GenerationMetrics } from '../../../src-preload/contract'

/**
 * A run's per-generation metrics, kept as uPlot columns that grow in place: a live run adds a
 * generation per event, and copying every column per event would cost O(generations) each time.
 */
export class RunTrace {
  #metrics: GenerationMetrics[] = []
  #generation: number[] = []
  #bestSoFarFitness: number[] = []
  #bestSoFarCorrelation: number[] = []

  /** [generation, best-so-far fitness, best-so-far correlation]; a new outer array per change. */
  data = $state.raw<AlignedData>([[], [], []])
  latest = $state.raw<GenerationMetrics | null>(null)
  /** Generations recorded (one metrics row each, whatever number the first one carries). */
  count = $state(0)

  constructor(metrics: readonly GenerationMetrics[] = []) {
    this.reset(metrics)
  }

  reset(metrics: readonly GenerationMetrics[] = []): void {
    this.#metrics = []
    this.#generation = []
    this.#bestSoFarFitness = []
    this.#bestSoFarCorrelation = []
    const sorted = [...metrics].sort((a, b) => a.generation - b.generation)
    for (const m of sorted) this.#append(m)
    this.#publish()
  }

  /** Adds a live generation; a repeated or older generation is ignored. */
  add(metrics: GenerationMetrics): void {
    if (this.#append(metrics)) this.#publish()
  }

  /**
   * Replaces the history with what the database holds, keeping live generations that arrived
   * after the database was read.
   */
  merge(stored: readonly GenerationMetrics[]): void {
    const lastStored = stored.reduce((max, m) => Math.max(max, m.generation), -Infinity)
    const newerLive = this.#metrics.filter((m) => m.generation > lastStored)
    this.reset([...stored, ...newerLive])
  }

  #append(m: GenerationMetrics): boolean {
    const last = this.#metrics.at(-1)
    if (last && m.generation <= last.generation) return false
    this.#metrics.push(m)
    this.#generation.push(m.generation)
    this.#bestSoFarFitness.push(m.bestSoFarFitness)
    this.#bestSoFarCorrelation.push(m.bestSoFarCorrelation)
    return true
  }

  #publish(): void {
    this.data = [this.#generation, this.#bestSoFarFitness, this.#bestSoFarCorrelation]
    this.latest = this.#metrics.at(-1) ?? null
    this.count = this.#metrics.length
  }
}
