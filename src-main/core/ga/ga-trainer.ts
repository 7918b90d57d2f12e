// The GA training loop (brainspy ga.train), one generation per step() so callers can report
// progress, pause, checkpoint and resume. Randomness lives only in the optimizer's Rng.
import type { Dnpu } from '../dnpu.js'
import { isDegenerateOutput, pearson, type FitnessName } from '../fitness.js'
import { FITNESS_FUNCTIONS, isFitnessName } from './fitness-registry.js'
import type { Processor } from '../processor.js'
import { randomSeed } from '../rng.js'
import { GeneticOptimizer, type GeneticOptimizerState, type Partition } from './genetic-optimizer.js'

export interface GaTrainerSetup {
  processor: Processor
  dnpu: Dnpu
  /** points x data electrodes, in the task's input range. */
  taskInputs: number[][]
  targets: number[]
  partition: Partition
  /** Maximum number of generations to evaluate. */
  generations: number
  fitness: FitnessName
  /** Stop once the best-so-far genome's Pearson correlation (not its fitness) reaches this. */
  stopThreshold: number
  /** uint32; drawn with randomSeed() when absent (read it back from `seed`). */
  seed?: number | undefined
}

export type GaStopReason = 'threshold' | 'generations'

export interface GaGenerationResult {
  /** 1-based count of generations evaluated so far. */
  generation: number
  /** This generation's best genome (first of equals). */
  bestFitness: number
  bestCorrelation: number
  bestGenome: number[]
  bestOutputsNanoamps: number[]
  bestSoFarFitness: number
  bestSoFarCorrelation: number
  bestSoFarGenome: number[]
  done: boolean
  stopReason: GaStopReason | null
}

export interface GaResult {
  generations: number
  bestFitness: number
  bestCorrelation: number
  bestControlVoltages: number[]
  bestOutputsNanoamps: number[]
  targets: number[]
  /** Per evaluated generation: that generation's best fitness and its correlation. */
  history: { fitness: number[]; correlation: number[] }
  stopReason: GaStopReason | null
}

interface BestSoFar {
  genome: number[]
  outputsNanoamps: number[]
  fitness: number
  correlation: number
  generation: number
}

export interface GaCheckpoint {
  version: 1
  seed: number
  fitness: FitnessName
  generations: number
  stopThreshold: number
  targets: number[]
  generationsEvaluated: number
  history: { fitness: number[]; correlation: number[] }
  best: BestSoFar | null
  stopReason: GaStopReason | null
  optimizer: GeneticOptimizerState
}

/** Index of the first maximum; NaN never wins. */
function firstArgmax(values: readonly number[]): number {
  let best = 0
  for (let i = 1; i < values.length; i += 1) {
    if (values[i]! > values[best]! || Number.isNaN(values[best]!)) best = i
  }
  return best
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

export class GaTrainer {
  readonly seed: number
  private readonly setup: GaTrainerSetup
  private readonly optimizer: GeneticOptimizer
  private generationsEvaluated = 0
  private readonly fitnessHistory: number[] = []
  private readonly correlationHistory: number[] = []
  private best: BestSoFar | null = null
  private reason: GaStopReason | null = null

  constructor(setup: GaTrainerSetup, restored?: { seed: number; optimizer: GeneticOptimizer }) {
    GaTrainer.validate(setup)
    this.setup = { ...setup, targets: [...setup.targets], taskInputs: setup.taskInputs.map((row) => [...row]) }
    this.seed = restored?.seed ?? setup.seed ?? randomSeed()
    this.optimizer =
      restored?.optimizer ??
      new GeneticOptimizer({
        geneRanges: setup.dnpu.controlRangesVolts,
        partition: setup.partition,
        epochs: setup.generations,
        seed: this.seed
      })
  }

  get done(): boolean {
    return this.reason !== null
  }

  get stopReason(): GaStopReason | null {
    return this.reason
  }

  get controlElectrodes(): readonly number[] {
    return this.setup.dnpu.controlElectrodes
  }

  /** Generations evaluated so far. */
  get generation(): number {
    return this.generationsEvaluated
  }

  /** The pool the next step() will evaluate (copy). */
  get pool(): number[][] {
    return this.optimizer.pool.map((genome) => [...genome])
  }

  /**
   * Evaluate the whole pool in one batched forward, score it, track the best, decide whether to
   * stop, and otherwise breed the next pool.
   */
  async step(): Promise<GaGenerationResult> {
    if (this.done) throw new Error(`GaTrainer: already done (${String(this.reason)})`)
    const { processor, dnpu, taskInputs, targets, generations, stopThreshold } = this.setup
    const scoreFn = FITNESS_FUNCTIONS[this.setup.fitness]
    const pool = this.optimizer.pool
    const outputs = await dnpu.evaluatePool(processor, taskInputs, pool)
    const fitness = outputs.map((output) =>
      scoreFn(output, targets, { defaultValue: isDegenerateOutput(output, processor.clippingValueNanoamps) })
    )

    const bestIndex = firstArgmax(fitness)
    const bestFitness = fitness[bestIndex]!
    const bestCorrelation = GaTrainer.correlation(outputs[bestIndex]!, targets)
    this.generationsEvaluated += 1
    this.fitnessHistory.push(bestFitness)
    this.correlationHistory.push(bestCorrelation)
    if (this.best === null || bestFitness > this.best.fitness) {
      this.best = {
        genome: [...pool[bestIndex]!],
        outputsNanoamps: [...outputs[bestIndex]!],
        fitness: bestFitness,
        correlation: bestCorrelation,
        generation: this.generationsEvaluated
      }
    }

    if (this.best.correlation >= stopThreshold) this.reason = 'threshold'
    else if (this.generationsEvaluated >= generations) this.reason = 'generations'
    else this.optimizer.step(fitness)

    return {
      generation: this.generationsEvaluated,
      bestFitness,
      bestCorrelation,
      bestGenome: [...pool[bestIndex]!],
      bestOutputsNanoamps: [...outputs[bestIndex]!],
      bestSoFarFitness: this.best.fitness,
      bestSoFarCorrelation: this.best.correlation,
      bestSoFarGenome: [...this.best.genome],
      done: this.done,
      stopReason: this.reason
    }
  }

  /** Step until done. `onGeneration` sees every generation (e.g. for progress output). */
  async run(onGeneration?: (result: GaGenerationResult) => void): Promise<GaResult> {
    while (!this.done) {
      const result = await this.step()
      onGeneration?.(result)
    }
    return this.result()
  }

  /** The BEST genome found so far (the reference returns the last pool's state instead). */
  result(): GaResult {
    if (this.best === null) throw new Error('GaTrainer: no generation evaluated yet')
    return {
      generations: this.generationsEvaluated,
      bestFitness: this.best.fitness,
      bestCorrelation: this.best.correlation,
      bestControlVoltages: [...this.best.genome],
      bestOutputsNanoamps: [...this.best.outputsNanoamps],
      targets: [...this.setup.targets],
      history: { fitness: [...this.fitnessHistory], correlation: [...this.correlationHistory] },
      stopReason: this.reason
    }
  }

  /** Everything needed to continue exactly, as plain JSON (no NaN or Infinity inside). */
  checkpoint(): GaCheckpoint {
    return {
      version: 1,
      seed: this.seed,
      fitness: this.setup.fitness,
      generations: this.setup.generations,
      stopThreshold: this.setup.stopThreshold,
      targets: [...this.setup.targets],
      generationsEvaluated: this.generationsEvaluated,
      history: { fitness: [...this.fitnessHistory], correlation: [...this.correlationHistory] },
      best:
        this.best === null
          ? null
          : { ...this.best, genome: [...this.best.genome], outputsNanoamps: [...this.best.outputsNanoamps] },
      stopReason: this.reason,
      optimizer: this.optimizer.getState()
    }
  }

  /**
   * Resume from a checkpoint. `setup` supplies the live objects (processor, DNPU, inputs); its
   * training settings must match the checkpoint's, or the run would silently diverge.
   */
  static fromCheckpoint(setup: GaTrainerSetup, checkpoint: GaCheckpoint): GaTrainer {
    if (checkpoint.version !== 1) throw new Error(`unsupported GA checkpoint version ${String(checkpoint.version)}`)
    const mismatches: string[] = []
    if (setup.fitness !== checkpoint.fitness) mismatches.push(`fitness ${setup.fitness} vs ${checkpoint.fitness}`)
    if (setup.generations !== checkpoint.generations)
      mismatches.push(`generations ${setup.generations} vs ${checkpoint.generations}`)
    if (setup.stopThreshold !== checkpoint.stopThreshold)
      mismatches.push(`stopThreshold ${setup.stopThreshold} vs ${checkpoint.stopThreshold}`)
    if (!sameNumbers(setup.targets, checkpoint.targets)) mismatches.push('targets differ')
    if (!sameNumbers(setup.partition, checkpoint.optimizer.partition))
      mismatches.push(`partition [${setup.partition.join(', ')}] vs [${checkpoint.optimizer.partition.join(', ')}]`)
    if (!sameNumbers(setup.dnpu.controlRangesVolts.flat(), checkpoint.optimizer.geneRanges.flat()))
      mismatches.push('control voltage ranges differ')
    if (setup.seed !== undefined && setup.seed !== checkpoint.seed)
      mismatches.push(`seed ${setup.seed} vs ${checkpoint.seed}`)
    if (mismatches.length > 0) throw new Error(`GA checkpoint does not match this setup: ${mismatches.join('; ')}`)

    const trainer = new GaTrainer(setup, {
      seed: checkpoint.seed,
      optimizer: GeneticOptimizer.fromState(checkpoint.optimizer)
    })
    trainer.generationsEvaluated = checkpoint.generationsEvaluated
    trainer.fitnessHistory.push(...checkpoint.history.fitness)
    trainer.correlationHistory.push(...checkpoint.history.correlation)
    trainer.best =
      checkpoint.best === null
        ? null
        : {
            ...checkpoint.best,
            genome: [...checkpoint.best.genome],
            outputsNanoamps: [...checkpoint.best.outputsNanoamps]
          }
    trainer.reason = checkpoint.stopReason
    return trainer
  }

  // An undefined correlation (constant output, only possible when every genome of a generation
  // is degenerate) is recorded as 0 so histories and checkpoints stay plain JSON numbers.
  private static correlation(output: readonly number[], targets: readonly number[]): number {
    const r = pearson(output, targets)
    return Number.isFinite(r) ? r : 0
  }

  private static validate(setup: GaTrainerSetup): void {
    const { taskInputs, targets, generations, stopThreshold, fitness } = setup
    if (!isFitnessName(fitness)) throw new RangeError(`unknown fitness '${String(fitness)}'`)
    if (taskInputs.length === 0) throw new RangeError('taskInputs must not be empty')
    if (targets.length !== taskInputs.length)
      throw new RangeError(`targets has ${targets.length} values for ${taskInputs.length} input points`)
    if (targets.some((t) => !Number.isFinite(t))) throw new RangeError('targets must be finite numbers')
    if (targets.every((t) => t === targets[0]))
      throw new RangeError('targets are constant: correlation with them is undefined')
    // These three compare the two classes (accuracy_fit: a perceptron separating them).
    const classBased = fitness === 'corrsig_fit' || fitness === 'accuracy_fit' || fitness === 'fisher_fit'
    if (classBased && !(targets.every((t) => t === 0 || t === 1) && targets.includes(0) && targets.includes(1))) {
      throw new RangeError(`${fitness} needs binary targets containing both 0 and 1`)
    }
    if (!Number.isInteger(generations) || generations < 1)
      throw new RangeError(`generations must be a positive integer, got ${generations}`)
    if (!Number.isFinite(stopThreshold))
      throw new RangeError('stopThreshold must be a finite number (use e.g. 2 to never stop early)')
  }
}
