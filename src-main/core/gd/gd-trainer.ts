// Gradient-descent training of ONE DNPU node's control voltages on a frozen surrogate (brainspy
// gd.train with default_train_step / default_val_step), one epoch per step() so callers can
// report progress, pause, checkpoint and resume, as GaTrainer does.
//
// Draw order from the one seeded Rng (changing it changes every seeded run): the initial
// control voltages, uniform in their ranges in control-electrode order; with loss 'bce' the
// readout weight and then its bias, uniform in [-1, 1] (torch.nn.Linear(1, 1)'s default init);
// then per epoch one training-set shuffle (see shuffleOrder).
//
// Parameters and optimiser state are plain float64 numbers (the surrogate's forward and its
// backward to the inputs run in float32 tfjs), so a checkpoint holds exactly what the next
// epoch reads and a resumed run repeats the uninterrupted one value for value.
import { Rng, randomSeed } from '../rng.js'
import { DifferentiableSurrogate, type DifferentiableProcessor } from './differentiable-surrogate.js'
import { criterionWithGradient, float32Inward, rangeRegularizer } from './gd-criterion.js'
import {
  isBinary,
  validateGdSetup,
  type GdCheckpoint,
  type GdEpochResult,
  type GdReadout,
  type GdResult,
  type GdSnapshot,
  type GdTrainerSetup
} from './gd-setup.js'
import { VectorOptimizer, type GdOptimizerState } from './optimizers.js'

export type { GdOptimizerName, GdOptimizerState } from './optimizers.js'
export {
  GD_LOSS_NAMES,
  checkGdBatching,
  type GdCheckpoint,
  type GdConstraint,
  type GdDataset,
  type GdEpochResult,
  type GdLossName,
  type GdReadout,
  type GdResult,
  type GdTrainerSetup
} from './gd-setup.js'

export class GdTrainer {
  readonly seed: number
  private readonly setup: GdTrainerSetup
  private readonly surrogate: DifferentiableProcessor
  private rng: Rng
  /** Control voltages, one per control electrode, then (loss 'bce') readout weight and bias. */
  private parameters: number[]
  private optimizer: VectorOptimizer
  /** Per control: the bounds `clip` keeps it in (float32-exact, inside the range). */
  private readonly clipLo: number[]
  private readonly clipHi: number[]
  private readonly trainData: number[][]
  private readonly validationData: number[][] | null
  private epochsRun = 0
  private readonly trainLosses: number[] = []
  private readonly validationLosses: number[] = []
  private best: GdSnapshot | null = null
  private disposed = false

  private constructor(setup: GdTrainerSetup, surrogate: DifferentiableProcessor, seed: number) {
    this.setup = setup
    this.surrogate = surrogate
    this.seed = seed
    this.rng = new Rng(seed)
    const { dnpu } = setup
    const ranges = dnpu.controlRangesVolts
    this.parameters = ranges.map(([lo, hi]) => this.rng.uniform(lo, hi))
    if (setup.loss === 'bce') this.parameters.push(this.rng.uniform(-1, 1), this.rng.uniform(-1, 1))
    this.optimizer = GdTrainer.makeOptimizer(setup, this.parameters.length)
    this.clipLo = ranges.map(([lo]) => float32Inward(lo, 1))
    this.clipHi = ranges.map(([, hi]) => float32Inward(hi, -1))
    // A draw next to a bound may lie beyond the float32-exact bound.
    this.clipControls()
    // The input transform (with its strict clipping) is done once, by the same code the GA uses.
    this.trainData = dnpu.dataVoltages(setup.train.inputs)
    this.validationData = setup.validation ? dnpu.dataVoltages(setup.validation.inputs) : null
  }

  static async create(setup: GdTrainerSetup): Promise<GdTrainer> {
    validateGdSetup(setup)
    const copy: GdTrainerSetup = {
      ...setup,
      train: { inputs: setup.train.inputs.map((row) => [...row]), targets: [...setup.train.targets] },
      validation: setup.validation && {
        inputs: setup.validation.inputs.map((row) => [...row]),
        targets: [...setup.validation.targets]
      }
    }
    const simulation = setup.simulation ?? {}
    const surrogate = setup.createProcessor
      ? await setup.createProcessor(setup.definition, simulation)
      : await DifferentiableSurrogate.create(setup.definition, simulation)
    return new GdTrainer(copy, surrogate, setup.seed ?? randomSeed())
  }

  get done(): boolean {
    return this.epochsRun >= this.setup.epochs
  }

  get epoch(): number {
    return this.epochsRun
  }

  get controlVoltages(): number[] {
    return this.parameters.slice(0, this.controlCount)
  }

  /** One pass over the shuffled training set in mini-batches, then the validation loss. */
  async step(): Promise<GdEpochResult> {
    this.checkUsable()
    if (this.done) throw new Error(`GdTrainer: already ran all ${this.setup.epochs} epochs`)
    const { train, batchSize } = this.setup
    const order = this.shuffleOrder(train.targets)
    let running = 0
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize)
      const data = batch.map((i) => this.trainData[i]!)
      const targets = batch.map((i) => train.targets[i]!)
      const { loss, gradient } = await this.lossAndGradient(data, targets)
      // A NaN step would poison every later epoch (and its checkpoint): end here instead, with
      // the last good epoch still the checkpoint to resume from.
      if (!gradient.every(Number.isFinite)) {
        throw new Error(
          `epoch ${this.epochsRun + 1}, batch ${start / batchSize + 1}: the loss gradient is not finite (loss ${loss}); ` +
            'the outputs are probably constant or saturated for these control voltages: lower the learning rate'
        )
      }
      this.optimizer.step(this.parameters, gradient)
      if (this.setup.constraint === 'clip') this.clipControls()
      running += loss * batch.length
    }
    const trainLoss = running / order.length
    this.epochsRun += 1
    this.trainLosses.push(trainLoss)

    let validationLoss: number | null = null
    if (this.validationData && this.setup.validation) {
      validationLoss = await this.lossOf(this.validationData, this.setup.validation.targets)
      this.validationLosses.push(validationLoss)
      // Strictly lower, as the reference: a tie keeps the earlier model. NaN never wins.
      if (this.best === null || validationLoss < this.best.validationLoss) {
        this.best = {
          epoch: this.epochsRun,
          validationLoss,
          controlVoltages: this.controlVoltages,
          readout: this.readout()
        }
      }
    }
    return { epoch: this.epochsRun, trainLoss, validationLoss, controlVoltages: this.controlVoltages, done: this.done }
  }

  async run(onEpoch?: (result: GdEpochResult) => void): Promise<GdResult> {
    while (!this.done) {
      // Not `onEpoch?.(await this.step())`: optional chaining would skip the step itself.
      const result = await this.step()
      onEpoch?.(result)
    }
    return this.result()
  }

  result(): GdResult {
    this.checkUsable()
    if (this.epochsRun === 0) throw new Error('GdTrainer: no epoch run yet')
    const useBest = (this.setup.returnBestModel ?? true) && this.best !== null
    return {
      epochs: this.epochsRun,
      controlVoltages: useBest ? [...this.best!.controlVoltages] : this.controlVoltages,
      readout: useBest ? this.best!.readout : this.readout(),
      epoch: useBest ? this.best!.epoch : this.epochsRun,
      bestValidationLoss: this.best?.validationLoss ?? null,
      trainLosses: [...this.trainLosses],
      validationLosses: [...this.validationLosses]
    }
  }

  /**
   * Output current (nA) per task input point for given controls (default: the result()'s),
   * through the same float32 forward as training.
   */
  async outputsNanoamps(inputs: number[][], controlVoltages?: number[]): Promise<number[]> {
    this.checkUsable()
    const controls = controlVoltages ?? this.result().controlVoltages
    if (controls.length !== this.controlCount) {
      throw new RangeError(`expected ${this.controlCount} control voltages, got ${controls.length}`)
    }
    const data = this.setup.dnpu.dataVoltages(inputs)
    if (data.length === 0) return []
    return Array.from(await this.forwardOutputs(data, controls))
  }

  /** Everything needed to continue exactly, as plain JSON. */
  checkpoint(): GdCheckpoint {
    this.checkUsable()
    return {
      version: 2,
      seed: this.seed,
      loss: this.setup.loss,
      optimizerName: this.setup.optimizer,
      epochs: this.setup.epochs,
      epochsRun: this.epochsRun,
      controlVoltages: this.controlVoltages,
      readout: this.readout(),
      trainLosses: [...this.trainLosses],
      validationLosses: [...this.validationLosses],
      best: this.best === null ? null : { ...this.best, controlVoltages: [...this.best.controlVoltages] },
      rngState: this.rng.getState(),
      optimizer: this.optimizer.snapshot()
    }
  }

  /** Resume: `setup` supplies the data and settings, which must match the checkpoint's. */
  static async fromCheckpoint(setup: GdTrainerSetup, checkpoint: GdCheckpoint): Promise<GdTrainer> {
    if (checkpoint.version !== 2) throw new Error(`unsupported GD checkpoint version ${String(checkpoint.version)}`)
    const mismatches: string[] = []
    if (setup.loss !== checkpoint.loss) mismatches.push(`loss ${setup.loss} vs ${checkpoint.loss}`)
    if (setup.optimizer !== checkpoint.optimizerName)
      mismatches.push(`optimizer ${setup.optimizer} vs ${checkpoint.optimizerName}`)
    if (setup.epochs !== checkpoint.epochs) mismatches.push(`epochs ${setup.epochs} vs ${checkpoint.epochs}`)
    if (setup.seed !== undefined && setup.seed !== checkpoint.seed)
      mismatches.push(`seed ${setup.seed} vs ${checkpoint.seed}`)
    if (setup.dnpu.controlElectrodes.length !== checkpoint.controlVoltages.length)
      mismatches.push('control electrode count differs')
    if ((checkpoint.readout !== null) !== (setup.loss === 'bce')) mismatches.push('readout presence differs')
    if (mismatches.length > 0) throw new Error(`GD checkpoint does not match this setup: ${mismatches.join('; ')}`)
    const trainer = await GdTrainer.create({ ...setup, seed: checkpoint.seed })
    trainer.parameters = [...checkpoint.controlVoltages]
    if (checkpoint.readout) trainer.parameters.push(checkpoint.readout.weight, checkpoint.readout.bias)
    trainer.optimizer = GdTrainer.makeOptimizer(setup, trainer.parameters.length, checkpoint.optimizer)
    trainer.epochsRun = checkpoint.epochsRun
    trainer.trainLosses.push(...checkpoint.trainLosses)
    trainer.validationLosses.push(...checkpoint.validationLosses)
    trainer.best =
      checkpoint.best === null ? null : { ...checkpoint.best, controlVoltages: [...checkpoint.best.controlVoltages] }
    trainer.rng = Rng.fromState(checkpoint.rngState)
    return trainer
  }

  /** Frees the surrogate's tensors (and a pool's threads). The trainer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    void this.surrogate.dispose()
  }

  private get controlCount(): number {
    return this.setup.dnpu.controlElectrodes.length
  }

  // Unlike Dnpu.assembleBatch this does not refuse out-of-range controls: with 'regul' they may
  // leave their ranges in simulation (the penalty pulls them back); device use must check them.
  private rowsOf(data: number[][], controls: readonly number[]): Float32Array {
    const { dnpu } = this.setup
    const width = dnpu.activationElectrodeCount
    const rows = new Float32Array(data.length * width)
    data.forEach((point, r) => {
      dnpu.dataElectrodes.forEach((electrode, d) => (rows[r * width + electrode] = point[d]!))
      dnpu.controlElectrodes.forEach((electrode, c) => (rows[r * width + electrode] = controls[c]!))
    })
    return rows
  }

  /** Output column 0 (one output electrode) for the points, no gradient kept. */
  private async forwardOutputs(data: number[][], controls: readonly number[]): Promise<Float32Array> {
    const pass = await this.surrogate.forwardWithGradient(this.rowsOf(data, controls), data.length)
    pass.dispose()
    return pass.outputsNanoamps
  }

  /**
   * The batch loss (criterion, plus the regularizer with 'regul') and its gradient with respect
   * to the parameters: the criterion's gradient with respect to the batch's outputs
   * (criterionWithGradient), pushed back through the surrogate by its hand-written backward.
   */
  private async lossAndGradient(data: number[][], targets: number[]): Promise<{ loss: number; gradient: number[] }> {
    const pass = await this.surrogate.forwardWithGradient(this.rowsOf(data, this.controlVoltages), data.length)
    try {
      const {
        loss: lossValue,
        outputGradient,
        readoutGradient
      } = await criterionWithGradient(this.setup.loss, pass.outputsNanoamps, targets, this.readout())
      const rowGradient = await pass.inputGradient(Float32Array.from(outputGradient))
      const width = this.setup.dnpu.activationElectrodeCount
      const gradient = this.setup.dnpu.controlElectrodes.map((electrode) => {
        let sum = 0
        for (let r = 0; r < data.length; r += 1) sum += rowGradient[r * width + electrode]!
        return sum
      })
      let loss = lossValue
      if (this.setup.constraint === 'regul') {
        const { value: penalty, gradient: penaltyGradient } = rangeRegularizer(
          this.controlVoltages,
          this.setup.dnpu.controlRangesVolts
        )
        loss += penalty
        penaltyGradient.forEach((g, c) => (gradient[c]! += g))
      }
      gradient.push(...readoutGradient)
      return { loss, gradient }
    } finally {
      pass.dispose()
    }
  }

  // Validation: the criterion only (no regularizer), as the reference's val step, but on the
  // whole validation set in one batch rather than averaged over batches: corrsig's min / max
  // terms depend on the batch, and one batch makes the best-model choice independent of it.
  private async lossOf(data: number[][], targets: number[]): Promise<number> {
    const outputs = await this.forwardOutputs(data, this.controlVoltages)
    return (await criterionWithGradient(this.setup.loss, outputs, targets, this.readout())).loss
  }

  private clipControls(): void {
    for (let c = 0; c < this.controlCount; c += 1) {
      this.parameters[c] = Math.min(this.clipHi[c]!, Math.max(this.clipLo[c]!, this.parameters[c]!))
    }
  }

  /**
   * The epoch's visiting order. For 0/1 targets a balanced shuffle, as brains-py's ring task's
   * BalancedSubsetRandomSampler: class 0's indices shuffled (one permutation), then class 1's,
   * interleaved 0, 1, 0, 1, ... (leftovers of the larger class at the end), so every mini-batch
   * of two or more points holds both classes, which corrsig and fisher need. Other targets:
   * one plain permutation.
   */
  private shuffleOrder(targets: readonly number[]): number[] {
    if (!isBinary(targets)) return this.rng.permutation(targets.length)
    const classes = [0, 1].map((label) => {
      const indices: number[] = []
      targets.forEach((t, i) => t === label && indices.push(i))
      return this.rng.permutation(indices.length).map((k) => indices[k]!)
    })
    const order: number[] = []
    const longest = Math.max(classes[0]!.length, classes[1]!.length)
    for (let k = 0; k < longest; k += 1) classes.forEach((c) => k < c.length && order.push(c[k]!))
    return order
  }

  private readout(): GdReadout | null {
    if (this.setup.loss !== 'bce') return null
    const c = this.controlCount
    return { weight: this.parameters[c]!, bias: this.parameters[c + 1]! }
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error('GdTrainer: used after dispose()')
  }

  private static makeOptimizer(
    setup: GdTrainerSetup,
    parameterCount: number,
    restored?: GdOptimizerState
  ): VectorOptimizer {
    const { optimizer: name, learningRate, betas, epsilon, momentum } = setup
    return new VectorOptimizer({ name, learningRate, betas, epsilon, momentum }, parameterCount, restored)
  }
}
