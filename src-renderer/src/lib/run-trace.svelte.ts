import type { GenerationMetrics } from '../../../src-shared/ipc'
import { StepTrace } from './step-trace.svelte'

/** A GA run's per-generation metrics: [generation, best-so-far fitness, best-so-far correlation]. */
export class RunTrace extends StepTrace<GenerationMetrics> {
  constructor(metrics: readonly GenerationMetrics[] = []) {
    super({
      step: (m) => m.generation,
      columns: [(m) => m.generation, (m) => m.bestSoFarFitness, (m) => m.bestSoFarCorrelation]
    })
    this.reset(metrics)
  }
}
