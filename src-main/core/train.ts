// One-call training for library users, the counterparts of brains-py's ga.train and gd.train:
// build the trainer, run it to the end, return its result. The trainers themselves
// (ga/ga-trainer.ts, gd/gd-trainer.ts) step one generation / epoch at a time for callers that
// report progress, pause or checkpoint; these functions are for scripts that only want the result.
// Data may be nested number arrays or tfjs tensors; tensors are read once, here.
import { singleColumn, toRowMatrix, type Signal } from './functions/columns.js'
import type { Dnpu } from './dnpu.js'
import type { FitnessName } from './fitness.js'
import { GaTrainer, type GaGenerationResult, type GaResult, type GaTrainerSetup } from './ga/ga-trainer.js'
import type { Partition } from './ga/genetic-optimizer.js'
import {
  GdTrainer,
  type GdConstraint,
  type GdEpochResult,
  type GdLossName,
  type GdOptimizerName,
  type GdResult,
  type GdTrainerSetup
} from './gd/gd-trainer.js'
import type { Processor } from './processor.js'
import type { SimulationOptions } from './surrogate.js'
import type { SurrogateDefinition } from './surrogate-definition.js'

/**
 * Options of {@link trainGA}. brains-py's `ga.train(model, dataloaders, criterion, optimizer,
 * configs)` arguments map as follows: `model` -> `processor` + `dnpu`; `dataloaders` ->
 * `taskInputs` + `targets` (the whole set, one batch, as the reference uses it); `criterion` ->
 * `fitness`; `optimizer = GeneticOptimizer(gene_ranges, partition, epochs)` -> `partition` +
 * `generations` (alias `epochs`) + `seed` (the gene ranges are the DNPU's control ranges);
 * `configs['stop_threshold']` -> `stopThreshold`. `save_dir` and `average_plateaus` have no
 * counterpart (no files are written; waveforms are the instrument path's business).
 */
export interface TrainGaSetup extends Omit<GaTrainerSetup, 'taskInputs' | 'targets' | 'generations'> {
  /** Where the outputs come from: a SurrogateModel, or any other Processor. */
  processor: Processor
  /** Which electrodes carry data and how task inputs become their voltages. */
  dnpu: Dnpu
  /** Points x data electrodes in the task's input range (nested arrays or a 2-D tensor). */
  taskInputs: Signal
  /** One target per point: a flat array, points x 1, or a tensor of either shape. */
  targets: Signal
  /** `[elite, offspring]`: the pool size is their sum (typical for gates: [4, 22]). */
  partition: Partition
  /** Maximum number of generations (GeneticOptimizer's `epochs`). */
  generations?: number | undefined
  /** The reference's name for `generations`; give one of the two (equal if both). */
  epochs?: number | undefined
  /** The criterion: 'corrsig_fit', 'corr_fit', ... (see FitnessName). */
  fitness: FitnessName
  /**
   * Stop once the best-so-far genome's Pearson correlation reaches this (the reference compares
   * the correlation, not the fitness). Use e.g. 2 to always run every generation.
   */
  stopThreshold: number
  /** uint32 seed of every random draw; a random one when absent (returned as `seed`). */
  seed?: number | undefined
  /** Called after every generation, e.g. for progress output. */
  onGeneration?: ((result: GaGenerationResult) => void) | undefined
}

export interface TrainGaResult extends GaResult {
  /** The seed the run used: with the same setup it repeats the run exactly. */
  seed: number
  /**
   * Per generation: that generation's best fitness, its correlation and its genome (the
   * reference's performance, correlations and genome_history).
   */
  history: GaResult['history'] & { genome: number[][] }
}

/**
 * Run the genetic algorithm to the end (threshold reached or all generations evaluated) and
 * return the BEST genome found (`bestControlVoltages`; the reference returns the last one),
 * its fitness, correlation and outputs, and the per-generation histories.
 *
 * @example
 * const model = new SurrogateModel(parseSurrogateJson(json));
 * const gate = parseGateTask('xor');
 * const result = await trainGA({
 *   processor: model,
 *   dnpu: Dnpu.forProcessor(model, { dataElectrodes: [1, 2], inputRange: [-1, 1] }),
 *   taskInputs: gate.inputs, targets: gate.targets,
 *   partition: [4, 22], generations: 100, fitness: 'corrsig_fit', stopThreshold: 0.95, seed: 1,
 * });
 */
export async function trainGA(setup: TrainGaSetup): Promise<TrainGaResult> {
  const { taskInputs, targets, generations, epochs, onGeneration, ...rest } = setup
  if (generations !== undefined && epochs !== undefined && generations !== epochs) {
    throw new RangeError(
      `generations (${generations}) and epochs (${epochs}) are the same option and disagree; give one`
    )
  }
  const count = generations ?? epochs
  if (count === undefined) throw new RangeError('trainGA needs generations (or its reference name, epochs)')
  const trainer = new GaTrainer({
    ...rest,
    generations: count,
    taskInputs: toRowMatrix(taskInputs, 'taskInputs').rows,
    targets: singleColumn(targets, 'targets')
  })
  const genomes: number[][] = []
  const result = await trainer.run((generation) => {
    genomes.push([...generation.bestGenome])
    onGeneration?.(generation)
  })
  return { ...result, seed: trainer.seed, history: { ...result.history, genome: genomes } }
}

/** A data set of {@link trainGD}: points x data electrodes, and one target per point. */
export interface TrainGdDataset {
  inputs: Signal
  targets: Signal
}

/**
 * Options of {@link trainGD}. brains-py's `gd.train(model, dataloaders, criterion, optimizer,
 * configs, logger, save_dir, return_best_model)` arguments map as follows: `model` ->
 * `definition` (+ `simulation`) + `dnpu` (one node); `dataloaders` -> `train` + `validation`
 * with `batchSize` (shuffled each epoch with the run's seed); `criterion` -> `loss`;
 * `optimizer` -> `optimizer` ('adam' | 'sgd') + `learningRate`, `betas`, `epsilon`, `momentum`;
 * `configs['epochs']` -> `epochs`; `configs['constraint_control_voltages']` ->
 * `constraintControlVoltages` (alias `constraint`); `return_best_model` -> `returnBestModel`.
 * `logger` -> `onEpoch`. `save_dir` has no counterpart (no files are written).
 */
export interface TrainGdSetup extends Omit<GdTrainerSetup, 'train' | 'validation' | 'constraint'> {
  /** The frozen surrogate whose control voltages are trained. */
  definition: SurrogateDefinition
  /** Amplification / clipping overrides, as for SurrogateModel. */
  simulation?: Pick<SimulationOptions, 'amplification' | 'clippingValueNanoamps'> | undefined
  /** Which electrodes carry data and how task inputs become their voltages. */
  dnpu: Dnpu
  /** The training set (the reference's first data loader). */
  train: TrainGdDataset
  /** Optional validation set (the second data loader): enables best-on-validation. */
  validation?: TrainGdDataset | undefined
  /** Passes over the training set. */
  epochs: number
  /** Mini-batch size of the training set. */
  batchSize: number
  learningRate: number
  /** 'adam' or 'sgd' (torch.optim.Adam / torch.optim.SGD semantics). */
  optimizer: GdOptimizerName
  /** 'corrsig' | 'fisher' | 'mse' | 'bce' (see GdLossName). */
  loss: GdLossName
  /**
   * 'clip': clip the controls into their ranges after every optimiser step (constraint_weights);
   * 'regul': add regularizer() to the training loss.
   */
  constraintControlVoltages?: GdConstraint | undefined
  /** GdTrainerSetup's name for `constraintControlVoltages`; give one of the two. */
  constraint?: GdConstraint | undefined
  /** With a validation set, return the controls of the lowest validation loss. Default true. */
  returnBestModel?: boolean | undefined
  /** uint32 seed of the initial controls and the shuffles; random when absent (returned as `seed`). */
  seed?: number | undefined
  /** Called after every epoch (the reference's logger). */
  onEpoch?: ((result: GdEpochResult) => void) | undefined
}

export interface TrainGdResult extends GdResult {
  /** The seed the run used: with the same setup it repeats the run exactly. */
  seed: number
}

function gdDataset(dataset: TrainGdDataset, what: string): { inputs: number[][]; targets: number[] } {
  if (typeof dataset !== 'object' || dataset === null) throw new TypeError(`${what} must be { inputs, targets }`)
  return {
    inputs: toRowMatrix(dataset.inputs, `${what}.inputs`).rows,
    targets: singleColumn(dataset.targets, `${what}.targets`)
  }
}

/**
 * Train one DNPU node's control voltages by gradient descent on a frozen surrogate for all
 * epochs, and return the result: the controls (best on validation when `returnBestModel` and a
 * validation set are given, else the last), the bce readout if any, and the train and
 * validation losses per epoch. The trainer's tfjs memory is freed before returning, also on an
 * error. Multi-node models (DnpuLayer, DnpuModel) cannot be trained this way.
 *
 * @example
 * const ring = splitDataset(generateRingData({ sampleCount: 1000, gap: 0.4, seed: 1 }), { train: 0.8, validation: 0.2, test: 0 }, 1);
 * const result = await trainGD({
 *   definition, dnpu: Dnpu.forProcessor(new SurrogateModel(definition), { dataElectrodes: [1, 2], inputRange: [-1, 1] }),
 *   train: ring.train, validation: ring.validation,
 *   epochs: 100, batchSize: 128, learningRate: 0.01, optimizer: 'adam', loss: 'corrsig',
 *   constraintControlVoltages: 'clip', seed: 1,
 * });
 */
export async function trainGD(setup: TrainGdSetup): Promise<TrainGdResult> {
  const { train, validation, constraint, constraintControlVoltages, onEpoch, ...rest } = setup
  if (constraint !== undefined && constraintControlVoltages !== undefined && constraint !== constraintControlVoltages) {
    throw new RangeError(
      `constraintControlVoltages ('${constraintControlVoltages}') and constraint ('${constraint}') are the same option and disagree; give one`
    )
  }
  const chosen = constraintControlVoltages ?? constraint
  if (chosen !== 'clip' && chosen !== 'regul') {
    throw new RangeError(
      `constraintControlVoltages must be 'clip' or 'regul', got ${chosen === undefined ? 'nothing' : `'${String(chosen)}'`}`
    )
  }
  const trainer = await GdTrainer.create({
    ...rest,
    constraint: chosen,
    train: gdDataset(train, 'train'),
    validation: validation === undefined ? undefined : gdDataset(validation, 'validation')
  })
  try {
    const result = await trainer.run(onEpoch)
    return { ...result, seed: trainer.seed }
  } finally {
    trainer.dispose()
  }
}
