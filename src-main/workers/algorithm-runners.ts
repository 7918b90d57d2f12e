/**
 * The worker half of each algorithm's descriptor: how its trainer starts. One line per
 * algorithm (its runner file holds the rest); the plain half is src-shared/domain/algorithms.
 */
import { capacityRunner } from './capacity-runner'
import { gaRunner } from './ga-runner'
import { gdRunner } from './gd-runner'
import type { AlgorithmRunner } from './step-runner'

const SHIPPED_RUNNERS: readonly AlgorithmRunner[] = [gaRunner, gdRunner, capacityRunner]

/** Runners added at run time: only tests do it (with their descriptor, see registerAlgorithm). */
const extraRunners = new Map<string, AlgorithmRunner>()

export function registerRunner(runner: AlgorithmRunner): () => void {
  extraRunners.set(runner.id, runner)
  return () => extraRunners.delete(runner.id)
}

export function runnerOf(algorithm: string): AlgorithmRunner {
  const runner = SHIPPED_RUNNERS.find((entry) => entry.id === algorithm) ?? extraRunners.get(algorithm)
  if (!runner) throw new Error(`this trainer cannot run the algorithm '${algorithm}'`)
  return runner
}
