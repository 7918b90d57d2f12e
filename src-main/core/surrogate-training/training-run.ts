// The training loop: epochs of shuffled mini-batches on the training set, the validation loss
// after each, the weights with the lowest validation loss kept (as the reference does), early
// stopping after `patience` epochs without improvement, and a resumable state (weights, Adam's
// moments, epoch, RNG state, best weights, history) as a plain JSON-serialisable object, so the
// run integration can checkpoint it and continue exactly where it stopped.
import { Rng } from '../rng.js'
import { ACTIVATION_NAMES, type ActivationName, type SurrogateLayer } from '../surrogate-definition.js'
import { epochBatches, gatherBatch, toNanoamps, type DatasetSplit, type ScaledSet } from './dataset.js'
import { testMetrics, type TestMetrics } from './metrics.js'
import { copyLayers, DEFAULT_ADAM, initLayers, type AdamMoments, type AdamOptions } from './mlp-reference.js'
import { MlpTrainer } from './mlp-trainer.js'

export const TRAINING_STATE_FORMAT = 'dnpu-surrogate-training-state/1'

export interface SurrogateTrainingOptions {
  /** Hidden layer sizes; the reference code's default is [90] x 6. */
  hiddenSizes: number[]
  activation: ActivationName
  batchSize: number
  maxEpochs: number
  /** Stop after this many epochs without a lower validation loss; null: run all maxEpochs. */
  patience: number | null
  adam: AdamOptions
  /** Seeds the initial weights and the per-epoch shuffles. */
  seed: number
}

export const DEFAULT_TRAINING_OPTIONS: Readonly<Omit<SurrogateTrainingOptions, 'seed'>> = {
  hiddenSizes: [90, 90, 90, 90, 90, 90],
  activation: 'relu',
  batchSize: 256,
  maxEpochs: 100,
  patience: null,
  adam: { ...DEFAULT_ADAM }
}

/** What callers pass: any option may be left out (defaults above) except the seed. */
export type TrainingOptionsInput = Partial<Omit<SurrogateTrainingOptions, 'adam'>> & {
  seed: number
  adam?: Partial<AdamOptions> | undefined
}

/** Mixed into the seed so the training stream differs from splitDataset's (which uses the plain seed). */
const TRAINING_STREAM = 0x7a1e5eed

export interface EpochRecord {
  /** 1 for the first epoch. */
  epoch: number
  /** Mean squared error over the epoch's batches (weighted by batch size), training units. */
  trainLoss: number
  /** Mean squared error on the validation set after the epoch, training units. */
  validationLoss: number
}

export interface SurrogateTrainingState {
  format: typeof TRAINING_STATE_FORMAT
  options: SurrogateTrainingOptions
  inputCount: number
  outputCount: number
  /** Epochs completed. */
  epoch: number
  layers: SurrogateLayer[]
  adam: AdamMoments
  rngState: number[]
  best: { epoch: number; validationLoss: number; layers: SurrogateLayer[] } | null
  epochsWithoutImprovement: number
  history: EpochRecord[]
}

export type StopReason = 'max-epochs' | 'early-stop'

function wholeNumber(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be a whole number in [${min}, ${max}], got ${String(value)}`)
}

export function resolveTrainingOptions(options: TrainingOptionsInput): SurrogateTrainingOptions {
  const resolved: SurrogateTrainingOptions = {
    ...DEFAULT_TRAINING_OPTIONS,
    ...options,
    hiddenSizes: [...(options.hiddenSizes ?? DEFAULT_TRAINING_OPTIONS.hiddenSizes)],
    adam: { ...DEFAULT_ADAM, ...options.adam }
  }
  if (resolved.hiddenSizes.length > 32)
    throw new RangeError(`at most 32 hidden layers, got ${resolved.hiddenSizes.length}`)
  resolved.hiddenSizes.forEach((size, i) => wholeNumber(`hiddenSizes[${i}]`, size, 1, 4096))
  if (!(ACTIVATION_NAMES as readonly string[]).includes(resolved.activation))
    throw new RangeError(
      `activation must be one of ${ACTIVATION_NAMES.join(', ')}, got '${String(resolved.activation)}'`
    )
  wholeNumber('batchSize', resolved.batchSize, 1, 1_000_000)
  wholeNumber('maxEpochs', resolved.maxEpochs, 1, 1_000_000)
  if (resolved.patience !== null) wholeNumber('patience', resolved.patience, 1, 1_000_000)
  wholeNumber('seed', resolved.seed, 0, 0xffff_ffff)
  return resolved
}

export class SurrogateTraining {
  private constructor(
    private readonly split: DatasetSplit,
    private readonly trainer: MlpTrainer,
    private readonly rng: Rng,
    private readonly current: Omit<SurrogateTrainingState, 'layers' | 'adam' | 'rngState'>
  ) {}

  /** A new run: weights initialised like PyTorch's nn.Linear from the seed. */
  static async start(
    split: DatasetSplit,
    inputCount: number,
    outputCount: number,
    options: TrainingOptionsInput
  ): Promise<SurrogateTraining> {
    const resolved = resolveTrainingOptions(options)
    checkSplit(split, inputCount, outputCount)
    const rng = new Rng((resolved.seed ^ TRAINING_STREAM) >>> 0)
    const layers = initLayers([inputCount, ...resolved.hiddenSizes, outputCount], rng)
    const trainer = await MlpTrainer.create({ layers, activation: resolved.activation, adam: resolved.adam })
    return new SurrogateTraining(split, trainer, rng, {
      format: TRAINING_STATE_FORMAT,
      options: resolved,
      inputCount,
      outputCount,
      epoch: 0,
      best: null,
      epochsWithoutImprovement: 0,
      history: []
    })
  }

  /** Continue a run from a state() snapshot, on the same split (splitDataset with the same seed). */
  static async resume(split: DatasetSplit, state: SurrogateTrainingState): Promise<SurrogateTraining> {
    if (state?.format !== TRAINING_STATE_FORMAT)
      throw new RangeError(`training state must have format '${TRAINING_STATE_FORMAT}', got '${String(state?.format)}'`)
    const options = resolveTrainingOptions(state.options)
    checkSplit(split, state.inputCount, state.outputCount)
    wholeNumber('state.epoch', state.epoch, 0, options.maxEpochs)
    if (!Array.isArray(state.history) || state.history.length !== state.epoch)
      throw new RangeError(`training state has ${state.history?.length} history entries for ${state.epoch} epochs`)
    const trainer = await MlpTrainer.create({
      layers: state.layers,
      activation: options.activation,
      adam: options.adam,
      moments: state.adam
    })
    return new SurrogateTraining(split, trainer, Rng.fromState(state.rngState), {
      format: TRAINING_STATE_FORMAT,
      options,
      inputCount: state.inputCount,
      outputCount: state.outputCount,
      epoch: state.epoch,
      best: state.best && { ...state.best, layers: copyLayers(state.best.layers) },
      epochsWithoutImprovement: state.epochsWithoutImprovement,
      history: state.history.map((record) => ({ ...record }))
    })
  }

  get epoch(): number {
    return this.current.epoch
  }

  get history(): readonly EpochRecord[] {
    return this.current.history
  }

  /** Why the run is over, or null while epochs remain. */
  get stopReason(): StopReason | null {
    const { options, epoch, epochsWithoutImprovement } = this.current
    if (options.patience !== null && epochsWithoutImprovement >= options.patience) return 'early-stop'
    return epoch >= options.maxEpochs ? 'max-epochs' : null
  }

  /** One epoch: shuffled mini-batches, one Adam step each, then the validation loss. */
  async runEpoch(): Promise<EpochRecord> {
    if (this.stopReason !== null) throw new Error(`the training has ended (${this.stopReason})`)
    const { inputCount, outputCount, options } = this.current
    const train = this.split.train
    let lossSum = 0
    for (const indices of epochBatches(train.count, options.batchSize, this.rng)) {
      const batch = gatherBatch(train, indices, inputCount, outputCount)
      lossSum += this.trainer.step(batch.inputs, batch.targets, indices.length) * indices.length
    }
    const validation = this.split.validation
    const record: EpochRecord = {
      epoch: this.current.epoch + 1,
      trainLoss: lossSum / train.count,
      validationLoss: this.trainer.loss(validation.inputs, validation.targets, validation.count)
    }
    if (!Number.isFinite(record.trainLoss))
      throw new Error(`training diverged in epoch ${record.epoch} (loss ${record.trainLoss})`)
    this.current.epoch = record.epoch
    this.current.history.push(record)
    const best = this.current.best
    if (best === null || record.validationLoss < best.validationLoss) {
      this.current.best = {
        epoch: record.epoch,
        validationLoss: record.validationLoss,
        layers: await this.trainer.getLayers()
      }
      this.current.epochsWithoutImprovement = 0
    } else {
      this.current.epochsWithoutImprovement += 1
    }
    return record
  }

  /** Epochs until maxEpochs or the early stop; onEpoch sees each record (progress). */
  async runToEnd(onEpoch?: (record: EpochRecord) => void): Promise<StopReason> {
    while (this.stopReason === null) {
      // (Not `onEpoch?.(await this.runEpoch())`: an optional call skips its arguments when absent.)
      const record = await this.runEpoch()
      onEpoch?.(record)
      // An epoch's steps are synchronous: let timers and messages run between epochs.
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    return this.stopReason!
  }

  /** A deep-copied, JSON-serialisable snapshot to resume from. */
  async state(): Promise<SurrogateTrainingState> {
    const c = this.current
    return {
      format: TRAINING_STATE_FORMAT,
      options: { ...c.options, hiddenSizes: [...c.options.hiddenSizes], adam: { ...c.options.adam } },
      inputCount: c.inputCount,
      outputCount: c.outputCount,
      epoch: c.epoch,
      layers: await this.trainer.getLayers(),
      adam: await this.trainer.getMoments(),
      rngState: this.rng.getState(),
      best: c.best && { ...c.best, layers: copyLayers(c.best.layers) },
      epochsWithoutImprovement: c.epochsWithoutImprovement,
      history: c.history.map((record) => ({ ...record }))
    }
  }

  /** The weights with the lowest validation loss so far (the current ones before any epoch). */
  async bestLayers(): Promise<SurrogateLayer[]> {
    return this.current.best ? copyLayers(this.current.best.layers) : this.trainer.getLayers()
  }

  /** The best weights' predictions on a set, in nA. */
  async predictNanoamps(set: ScaledSet, amplification: readonly number[]): Promise<Float32Array> {
    const evaluator = await MlpTrainer.create({
      layers: await this.bestLayers(),
      activation: this.current.options.activation
    })
    try {
      return toNanoamps(evaluator.predict(set.inputs, set.count), amplification)
    } finally {
      evaluator.dispose()
    }
  }

  /** Test RMSE (nA, and relative to the measured range) and correlation, with the best weights. */
  async testMetrics(amplification: readonly number[]): Promise<TestMetrics> {
    const test = this.split.test
    const predicted = await this.predictNanoamps(test, amplification)
    return testMetrics(predicted, toNanoamps(test.targets, amplification))
  }

  dispose(): void {
    this.trainer.dispose()
  }
}

function checkSplit(split: DatasetSplit, inputCount: number, outputCount: number): void {
  for (const [name, set] of Object.entries(split) as [string, ScaledSet][]) {
    if (!set || !Number.isInteger(set.count) || set.count < 1)
      throw new RangeError(`the ${name} set must hold at least one sample`)
    if (set.inputs.length !== set.count * inputCount || set.targets.length !== set.count * outputCount)
      throw new RangeError(
        `the ${name} set's arrays do not match ${set.count} samples x ${inputCount} inputs / ${outputCount} outputs`
      )
  }
}
