// What a gradient-descent run is given and what it gives back: the setup, the per-epoch and final
// results, the checkpoint (plain JSON), and the checks a setup must pass before any tensor is made.
import type { Dnpu } from '../dnpu.js'
import type { SimulationOptions } from '../surrogate.js'
import type { SurrogateDefinition } from '../surrogate-definition.js'
import type { DifferentiableProcessorFactory } from './differentiable-surrogate.js'
import type { GdOptimizerName, GdOptimizerState } from './optimizers.js'

/** sigmoid_nn_distance ignores the targets: it spreads the outputs apart (brains-py's sigmoid_nn_distance). */
export type GdLossName = 'corrsig' | 'fisher' | 'mse' | 'bce' | 'sigmoid_nn_distance'
export type GdConstraint = 'clip' | 'regul'

export const GD_LOSS_NAMES: readonly GdLossName[] = ['corrsig', 'fisher', 'mse', 'bce', 'sigmoid_nn_distance']

export interface GdDataset {
  /** points x data electrodes, in the task's input range. */
  inputs: number[][]
  targets: number[]
}

export interface GdTrainerSetup {
  definition: SurrogateDefinition
  /** Amplification / clipping overrides, as for SurrogateModel. */
  simulation?: Pick<SimulationOptions, 'amplification' | 'clippingValueNanoamps'> | undefined
  dnpu: Dnpu
  train: GdDataset
  validation?: GdDataset | undefined
  epochs: number
  batchSize: number
  learningRate: number
  optimizer: GdOptimizerName
  /** Adam's betas; torch's defaults [0.9, 0.999]. */
  betas?: [number, number] | undefined
  /** Adam's epsilon; torch's default 1e-8 (tfjs would use its backend epsilon, 1e-7). */
  epsilon?: number | undefined
  /** SGD momentum (torch's form: buf = m * buf + g); 0 = plain SGD. */
  momentum?: number | undefined
  constraint: GdConstraint
  loss: GdLossName
  /** uint32; drawn with randomSeed() when absent (read it back from `seed`). */
  seed?: number | undefined
  /** With a validation set, result() returns the lowest-validation-loss controls. Default true. */
  returnBestModel?: boolean | undefined
  /**
   * Makes what the forward and the input gradient run on (default: one DifferentiableSurrogate
   * in this thread). It must give the same bits as that default; the workers pass a pool that
   * splits each batch's rows over threads. The trainer disposes it.
   */
  createProcessor?: DifferentiableProcessorFactory | undefined
}

export interface GdReadout {
  weight: number
  bias: number
}

export interface GdEpochResult {
  /** 1-based count of epochs run so far. */
  epoch: number
  /** sum(batch loss * batch size) / N, regularizer included when constraint is 'regul'. */
  trainLoss: number
  validationLoss: number | null
  controlVoltages: number[]
  done: boolean
}

export interface GdResult {
  epochs: number
  /** The best-on-validation controls (returnBestModel with validation), else the last ones. */
  controlVoltages: number[]
  /** The bce readout belonging to those controls; null for the other losses. */
  readout: GdReadout | null
  /** Epoch (1-based) the returned controls come from. */
  epoch: number
  bestValidationLoss: number | null
  trainLosses: number[]
  validationLosses: number[]
}

/** The controls of the epoch with the lowest validation loss so far. */
export interface GdSnapshot {
  epoch: number
  validationLoss: number
  controlVoltages: number[]
  readout: GdReadout | null
}

export interface GdCheckpoint {
  version: 2
  seed: number
  loss: GdLossName
  optimizerName: GdOptimizerName
  epochs: number
  epochsRun: number
  controlVoltages: number[]
  readout: GdReadout | null
  trainLosses: number[]
  validationLosses: number[]
  best: GdSnapshot | null
  rngState: number[]
  optimizer: GdOptimizerState
}

const CLASS_LOSSES: readonly GdLossName[] = ['corrsig', 'fisher', 'bce']

export function isBinary(targets: readonly number[]): boolean {
  return targets.every((t) => t === 0 || t === 1)
}

export function validateGdSetup(setup: GdTrainerSetup): void {
  const { dnpu, train, validation, epochs, batchSize, learningRate, loss, optimizer, constraint } = setup
  if (!GD_LOSS_NAMES.includes(loss)) throw new RangeError(`unknown loss '${String(loss)}'`)
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw new RangeError(`unknown optimizer '${String(optimizer)}'`)
  if (constraint !== 'clip' && constraint !== 'regul')
    throw new RangeError(`unknown constraint '${String(constraint)}'`)
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`)
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`)
  if (!(learningRate > 0 && Number.isFinite(learningRate)))
    throw new RangeError(`learningRate must be positive, got ${learningRate}`)
  if (setup.momentum !== undefined && !(setup.momentum >= 0 && setup.momentum < 1))
    throw new RangeError(`momentum must be in [0, 1), got ${setup.momentum}`)
  if (setup.betas && !setup.betas.every((b) => b >= 0 && b < 1))
    throw new RangeError(`betas must be in [0, 1), got [${setup.betas.join(', ')}]`)
  if (setup.definition.inputCount !== dnpu.activationElectrodeCount) {
    throw new RangeError(
      `surrogate has ${setup.definition.inputCount} inputs, DNPU expects ${dnpu.activationElectrodeCount} activation electrodes`
    )
  }
  if (setup.definition.outputCount !== 1)
    throw new RangeError(`one output electrode is supported, the surrogate has ${setup.definition.outputCount}`)
  const checkSet = (set: GdDataset, what: string): void => {
    if (set.inputs.length === 0) throw new RangeError(`${what} set is empty`)
    if (set.targets.length !== set.inputs.length)
      throw new RangeError(`${what} targets has ${set.targets.length} values for ${set.inputs.length} points`)
    if (set.targets.some((t) => !Number.isFinite(t))) throw new RangeError(`${what} targets must be finite numbers`)
    if (CLASS_LOSSES.includes(loss)) {
      if (!isBinary(set.targets) || !set.targets.includes(0) || !set.targets.includes(1)) {
        throw new RangeError(`loss ${loss} needs ${what} targets of 0 and 1 with both classes present`)
      }
    }
  }
  checkSet(train, 'training')
  if (validation) checkSet(validation, 'validation')
  checkGdBatching(loss, train.inputs.length, batchSize)
}

/**
 * corrsig needs both classes in every batch, fisher two points of each (for the variances). The
 * balanced shuffle guarantees that unless a batch is too short: refuse up front (the app does
 * before storing a run) rather than fail, or give NaN, in the middle of an epoch.
 */
export function checkGdBatching(loss: GdLossName, trainCount: number, batchSize: number): void {
  const minimumBatch = loss === 'fisher' ? 4 : loss === 'corrsig' || loss === 'sigmoid_nn_distance' ? 2 : 1
  const last = trainCount % batchSize || batchSize
  if (Math.min(batchSize, trainCount, last) < minimumBatch) {
    throw new RangeError(
      `loss ${loss} needs at least ${minimumBatch} points in every batch; with ${trainCount} training points and batch size ${batchSize} the last batch has ${Math.min(last, trainCount)} (choose another batch size)`
    )
  }
}
