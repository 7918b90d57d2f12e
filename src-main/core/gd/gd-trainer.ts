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
import * as tf from '@tensorflow/tfjs';
import type { Dnpu } from '../dnpu.js';
import { Rng, randomSeed } from '../rng.js';
import type { SimulationOptions } from '../surrogate.js';
import type { SurrogateDefinition } from '../surrogate-definition.js';
import { DifferentiableSurrogate, type DifferentiableProcessor, type DifferentiableProcessorFactory } from './differentiable-surrogate.js';
import { bceReadoutLossGradient, corrsigLossGradient, fisherLossGradient, mseLossGradient } from './loss-gradients.js';
import { sigmoidNnDistanceLoss } from './losses.js';
import { VectorOptimizer, type GdOptimizerName, type GdOptimizerState } from './optimizers.js';

export type { GdOptimizerName, GdOptimizerState } from './optimizers.js';
/** sigmoid_nn_distance ignores the targets: it spreads the outputs apart (brains-py's sigmoid_nn_distance). */
export type GdLossName = 'corrsig' | 'fisher' | 'mse' | 'bce' | 'sigmoid_nn_distance';
export type GdConstraint = 'clip' | 'regul';

export const GD_LOSS_NAMES: readonly GdLossName[] = ['corrsig', 'fisher', 'mse', 'bce', 'sigmoid_nn_distance'];

export interface GdDataset {
  /** points x data electrodes, in the task's input range. */
  inputs: number[][];
  targets: number[];
}

export interface GdTrainerSetup {
  definition: SurrogateDefinition;
  /** Amplification / clipping overrides, as for SurrogateModel. */
  simulation?: Pick<SimulationOptions, 'amplification' | 'clippingValueNanoamps'> | undefined;
  dnpu: Dnpu;
  train: GdDataset;
  validation?: GdDataset | undefined;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: GdOptimizerName;
  /** Adam's betas; torch's defaults [0.9, 0.999]. */
  betas?: [number, number] | undefined;
  /** Adam's epsilon; torch's default 1e-8 (tfjs would use its backend epsilon, 1e-7). */
  epsilon?: number | undefined;
  /** SGD momentum (torch's form: buf = m * buf + g); 0 = plain SGD. */
  momentum?: number | undefined;
  constraint: GdConstraint;
  loss: GdLossName;
  /** uint32; drawn with randomSeed() when absent (read it back from `seed`). */
  seed?: number | undefined;
  /** With a validation set, result() returns the lowest-validation-loss controls. Default true. */
  returnBestModel?: boolean | undefined;
  /**
   * Makes what the forward and the input gradient run on (default: one DifferentiableSurrogate
   * in this thread). It must give the same bits as that default; the workers pass a pool that
   * splits each batch's rows over threads. The trainer disposes it.
   */
  createProcessor?: DifferentiableProcessorFactory | undefined;
}

export interface GdReadout {
  weight: number;
  bias: number;
}

export interface GdEpochResult {
  /** 1-based count of epochs run so far. */
  epoch: number;
  /** sum(batch loss * batch size) / N, regularizer included when constraint is 'regul'. */
  trainLoss: number;
  validationLoss: number | null;
  controlVoltages: number[];
  done: boolean;
}

export interface GdResult {
  epochs: number;
  /** The best-on-validation controls (returnBestModel with validation), else the last ones. */
  controlVoltages: number[];
  /** The bce readout belonging to those controls; null for the other losses. */
  readout: GdReadout | null;
  /** Epoch (1-based) the returned controls come from. */
  epoch: number;
  bestValidationLoss: number | null;
  trainLosses: number[];
  validationLosses: number[];
}

interface Snapshot {
  epoch: number;
  validationLoss: number;
  controlVoltages: number[];
  readout: GdReadout | null;
}

export interface GdCheckpoint {
  version: 2;
  seed: number;
  loss: GdLossName;
  optimizerName: GdOptimizerName;
  epochs: number;
  epochsRun: number;
  controlVoltages: number[];
  readout: GdReadout | null;
  trainLosses: number[];
  validationLosses: number[];
  best: Snapshot | null;
  rngState: number[];
  optimizer: GdOptimizerState;
}

const CLASS_LOSSES: readonly GdLossName[] = ['corrsig', 'fisher', 'bce'];

// float32 bounds rounded inward, so a clipped float32 control is inside its float64 range
// (float32(-1.2) is below -1.2, and Dnpu.assembleBatch would refuse it).
const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
function float32Inward(value: number, direction: 1 | -1): number {
  F32[0] = value;
  if ((F32[0]! - value) * direction >= 0) return F32[0]!;
  // One ulp towards `direction` (integer order of float32 bits flips for negative values).
  I32[0]! += F32[0]! > 0 === (direction > 0) ? 1 : -1;
  if (F32[0] === 0 && value !== 0) F32[0] = direction * 1e-45;
  return F32[0]!;
}

function isBinary(targets: readonly number[]): boolean {
  return targets.every((t) => t === 0 || t === 1);
}

export class GdTrainer {
  readonly seed: number;
  private readonly setup: GdTrainerSetup;
  private readonly surrogate: DifferentiableProcessor;
  private rng: Rng;
  /** Control voltages, one per control electrode, then (loss 'bce') readout weight and bias. */
  private parameters: number[];
  private optimizer: VectorOptimizer;
  /** Per control: the bounds `clip` keeps it in (float32-exact, inside the range). */
  private readonly clipLo: number[];
  private readonly clipHi: number[];
  private readonly trainData: number[][];
  private readonly validationData: number[][] | null;
  private epochsRun = 0;
  private readonly trainLosses: number[] = [];
  private readonly validationLosses: number[] = [];
  private best: Snapshot | null = null;
  private disposed = false;

  private constructor(setup: GdTrainerSetup, surrogate: DifferentiableProcessor, seed: number) {
    this.setup = setup;
    this.surrogate = surrogate;
    this.seed = seed;
    this.rng = new Rng(seed);
    const { dnpu } = setup;
    const ranges = dnpu.controlRangesVolts;
    this.parameters = ranges.map(([lo, hi]) => this.rng.uniform(lo, hi));
    if (setup.loss === 'bce') this.parameters.push(this.rng.uniform(-1, 1), this.rng.uniform(-1, 1));
    this.optimizer = GdTrainer.makeOptimizer(setup, this.parameters.length);
    this.clipLo = ranges.map(([lo]) => float32Inward(lo, 1));
    this.clipHi = ranges.map(([, hi]) => float32Inward(hi, -1));
    // A draw next to a bound may lie beyond the float32-exact bound.
    this.clipControls();
    // The input transform (with its strict clipping) is done once, by the same code the GA uses.
    this.trainData = dnpu.dataVoltages(setup.train.inputs);
    this.validationData = setup.validation ? dnpu.dataVoltages(setup.validation.inputs) : null;
  }

  static async create(setup: GdTrainerSetup): Promise<GdTrainer> {
    GdTrainer.validate(setup);
    const copy: GdTrainerSetup = {
      ...setup,
      train: { inputs: setup.train.inputs.map((row) => [...row]), targets: [...setup.train.targets] },
      validation: setup.validation && { inputs: setup.validation.inputs.map((row) => [...row]), targets: [...setup.validation.targets] },
    };
    const simulation = setup.simulation ?? {};
    const surrogate = setup.createProcessor
      ? await setup.createProcessor(setup.definition, simulation)
      : await DifferentiableSurrogate.create(setup.definition, simulation);
    return new GdTrainer(copy, surrogate, setup.seed ?? randomSeed());
  }

  get done(): boolean {
    return this.epochsRun >= this.setup.epochs;
  }

  get epoch(): number {
    return this.epochsRun;
  }

  get controlVoltages(): number[] {
    return this.parameters.slice(0, this.controlCount);
  }

  /** One pass over the shuffled training set in mini-batches, then the validation loss. */
  async step(): Promise<GdEpochResult> {
    this.checkUsable();
    if (this.done) throw new Error(`GdTrainer: already ran all ${this.setup.epochs} epochs`);
    const { train, batchSize } = this.setup;
    const order = this.shuffleOrder(train.targets);
    let running = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      const data = batch.map((i) => this.trainData[i]!);
      const targets = batch.map((i) => train.targets[i]!);
      const { loss, gradient } = await this.lossAndGradient(data, targets);
      // A NaN step would poison every later epoch (and its checkpoint): end here instead, with
      // the last good epoch still the checkpoint to resume from.
      if (!gradient.every(Number.isFinite)) {
        throw new Error(
          `epoch ${this.epochsRun + 1}, batch ${start / batchSize + 1}: the loss gradient is not finite (loss ${loss}); ` +
            'the outputs are probably constant or saturated for these control voltages: lower the learning rate',
        );
      }
      this.optimizer.step(this.parameters, gradient);
      if (this.setup.constraint === 'clip') this.clipControls();
      running += loss * batch.length;
    }
    const trainLoss = running / order.length;
    this.epochsRun += 1;
    this.trainLosses.push(trainLoss);

    let validationLoss: number | null = null;
    if (this.validationData && this.setup.validation) {
      validationLoss = await this.lossOf(this.validationData, this.setup.validation.targets);
      this.validationLosses.push(validationLoss);
      // Strictly lower, as the reference: a tie keeps the earlier model. NaN never wins.
      if (this.best === null || validationLoss < this.best.validationLoss) {
        this.best = { epoch: this.epochsRun, validationLoss, controlVoltages: this.controlVoltages, readout: this.readout() };
      }
    }
    return { epoch: this.epochsRun, trainLoss, validationLoss, controlVoltages: this.controlVoltages, done: this.done };
  }

  async run(onEpoch?: (result: GdEpochResult) => void): Promise<GdResult> {
    while (!this.done) {
      // Not `onEpoch?.(await this.step())`: optional chaining would skip the step itself.
      const result = await this.step();
      onEpoch?.(result);
    }
    return this.result();
  }

  result(): GdResult {
    this.checkUsable();
    if (this.epochsRun === 0) throw new Error('GdTrainer: no epoch run yet');
    const useBest = (this.setup.returnBestModel ?? true) && this.best !== null;
    return {
      epochs: this.epochsRun,
      controlVoltages: useBest ? [...this.best!.controlVoltages] : this.controlVoltages,
      readout: useBest ? this.best!.readout : this.readout(),
      epoch: useBest ? this.best!.epoch : this.epochsRun,
      bestValidationLoss: this.best?.validationLoss ?? null,
      trainLosses: [...this.trainLosses],
      validationLosses: [...this.validationLosses],
    };
  }

  /**
   * Output current (nA) per task input point for given controls (default: the result()'s),
   * through the same float32 forward as training.
   */
  async outputsNanoamps(inputs: number[][], controlVoltages?: number[]): Promise<number[]> {
    this.checkUsable();
    const controls = controlVoltages ?? this.result().controlVoltages;
    if (controls.length !== this.controlCount) {
      throw new RangeError(`expected ${this.controlCount} control voltages, got ${controls.length}`);
    }
    const data = this.setup.dnpu.dataVoltages(inputs);
    if (data.length === 0) return [];
    return Array.from(await this.forwardOutputs(data, controls));
  }

  /** Everything needed to continue exactly, as plain JSON. */
  checkpoint(): GdCheckpoint {
    this.checkUsable();
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
      optimizer: this.optimizer.snapshot(),
    };
  }

  /** Resume: `setup` supplies the data and settings, which must match the checkpoint's. */
  static async fromCheckpoint(setup: GdTrainerSetup, checkpoint: GdCheckpoint): Promise<GdTrainer> {
    if (checkpoint.version !== 2) throw new Error(`unsupported GD checkpoint version ${String(checkpoint.version)}`);
    const mismatches: string[] = [];
    if (setup.loss !== checkpoint.loss) mismatches.push(`loss ${setup.loss} vs ${checkpoint.loss}`);
    if (setup.optimizer !== checkpoint.optimizerName) mismatches.push(`optimizer ${setup.optimizer} vs ${checkpoint.optimizerName}`);
    if (setup.epochs !== checkpoint.epochs) mismatches.push(`epochs ${setup.epochs} vs ${checkpoint.epochs}`);
    if (setup.seed !== undefined && setup.seed !== checkpoint.seed) mismatches.push(`seed ${setup.seed} vs ${checkpoint.seed}`);
    if (setup.dnpu.controlElectrodes.length !== checkpoint.controlVoltages.length) mismatches.push('control electrode count differs');
    if ((checkpoint.readout !== null) !== (setup.loss === 'bce')) mismatches.push('readout presence differs');
    if (mismatches.length > 0) throw new Error(`GD checkpoint does not match this setup: ${mismatches.join('; ')}`);
    const trainer = await GdTrainer.create({ ...setup, seed: checkpoint.seed });
    trainer.parameters = [...checkpoint.controlVoltages];
    if (checkpoint.readout) trainer.parameters.push(checkpoint.readout.weight, checkpoint.readout.bias);
    trainer.optimizer = GdTrainer.makeOptimizer(setup, trainer.parameters.length, checkpoint.optimizer);
    trainer.epochsRun = checkpoint.epochsRun;
    trainer.trainLosses.push(...checkpoint.trainLosses);
    trainer.validationLosses.push(...checkpoint.validationLosses);
    trainer.best = checkpoint.best === null ? null : { ...checkpoint.best, controlVoltages: [...checkpoint.best.controlVoltages] };
    trainer.rng = Rng.fromState(checkpoint.rngState);
    return trainer;
  }

  /** Frees the surrogate's tensors (and a pool's threads). The trainer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.surrogate.dispose();
  }

  private get controlCount(): number {
    return this.setup.dnpu.controlElectrodes.length;
  }

  // Unlike Dnpu.assembleBatch this does not refuse out-of-range controls: with 'regul' they may
  // leave their ranges in simulation (the penalty pulls them back); hardware use must check them.
  private rowsOf(data: number[][], controls: readonly number[]): Float32Array {
    const { dnpu } = this.setup;
    const width = dnpu.activationElectrodeCount;
    const rows = new Float32Array(data.length * width);
    data.forEach((point, r) => {
      dnpu.dataElectrodes.forEach((electrode, d) => (rows[r * width + electrode] = point[d]!));
      dnpu.controlElectrodes.forEach((electrode, c) => (rows[r * width + electrode] = controls[c]!));
    });
    return rows;
  }

  /** Output column 0 (one output electrode) for the points, no gradient kept. */
  private async forwardOutputs(data: number[][], controls: readonly number[]): Promise<Float32Array> {
    const pass = await this.surrogate.forwardWithGradient(this.rowsOf(data, controls), data.length);
    pass.dispose();
    return pass.outputsNanoamps;
  }

  /**
   * The batch loss (criterion, plus the regularizer with 'regul') and its gradient with respect
   * to the parameters: the criterion's gradient with respect to the batch's outputs
   * (criterionWithGradient), pushed back through the surrogate by its hand-written backward.
   */
  private async lossAndGradient(data: number[][], targets: number[]): Promise<{ loss: number; gradient: number[] }> {
    const pass = await this.surrogate.forwardWithGradient(this.rowsOf(data, this.controlVoltages), data.length);
    try {
      const { loss: lossValue, outputGradient, readoutGradient } = await this.criterionWithGradient(pass.outputsNanoamps, targets);
      const rowGradient = await pass.inputGradient(Float32Array.from(outputGradient));
      const width = this.setup.dnpu.activationElectrodeCount;
      const gradient = this.setup.dnpu.controlElectrodes.map((electrode) => {
        let sum = 0;
        for (let r = 0; r < data.length; r += 1) sum += rowGradient[r * width + electrode]!;
        return sum;
      });
      let loss = lossValue;
      if (this.setup.constraint === 'regul') {
        const { value: penalty, gradient: penaltyGradient } = this.regularizer();
        loss += penalty;
        penaltyGradient.forEach((g, c) => (gradient[c]! += g));
      }
      gradient.push(...readoutGradient);
      return { loss, gradient };
    } finally {
      pass.dispose();
    }
  }

  /**
   * The batch criterion and its gradient with respect to the outputs (and, for bce, to the
   * readout's weight and bias): by hand in float64 (loss-gradients.ts) for every loss but
   * sigmoid_nn_distance, which goes through tfjs autograd.
   */
  private async criterionWithGradient(
    outputs: Float32Array,
    targets: number[],
  ): Promise<{ loss: number; outputGradient: ArrayLike<number>; readoutGradient: number[] }> {
    switch (this.setup.loss) {
      case 'corrsig':
        return { ...corrsigLossGradient(outputs, targets), readoutGradient: [] };
      case 'fisher':
        return { ...fisherLossGradient(outputs, targets), readoutGradient: [] };
      case 'mse':
        return { ...mseLossGradient(outputs, targets), readoutGradient: [] };
      case 'bce': {
        const { weight, bias } = this.readout()!;
        const result = bceReadoutLossGradient(outputs, targets, weight, bias);
        return { ...result, readoutGradient: [result.weightGradient, result.biasGradient] };
      }
      case 'sigmoid_nn_distance': {
        const output = tf.tensor1d(outputs, 'float32');
        const { value, grads } = tf.valueAndGrads((o: tf.Tensor) => sigmoidNnDistanceLoss(o as tf.Tensor1D))([output]);
        const [loss, gradient] = await Promise.all([value.data(), grads[0]!.data()]);
        tf.dispose([value, ...grads, output]);
        return { loss: loss[0]!, outputGradient: gradient, readoutGradient: [] };
      }
    }
  }


  /**
   * sum over controls of relu(lo - v) + relu(v - hi) (DNPU.regularizer) over the exact ranges,
   * and its gradient (-1 below, +1 above, 0 inside and on the bounds, as torch's relu).
   */
  private regularizer(): { value: number; gradient: number[] } {
    const ranges = this.setup.dnpu.controlRangesVolts;
    let value = 0;
    const gradient = this.controlVoltages.map((v, c) => {
      const [lo, hi] = ranges[c]!;
      if (v < lo) {
        value += lo - v;
        return -1;
      }
      if (v > hi) {
        value += v - hi;
        return 1;
      }
      return 0;
    });
    return { value, gradient };
  }

  // Validation: the criterion only (no regularizer), as the reference's val step, but on the
  // whole validation set in one batch rather than averaged over batches: corrsig's min / max
  // terms depend on the batch, and one batch makes the best-model choice independent of it.
  private async lossOf(data: number[][], targets: number[]): Promise<number> {
    const outputs = await this.forwardOutputs(data, this.controlVoltages);
    return (await this.criterionWithGradient(outputs, targets)).loss;
  }

  private clipControls(): void {
    for (let c = 0; c < this.controlCount; c += 1) {
      this.parameters[c] = Math.min(this.clipHi[c]!, Math.max(this.clipLo[c]!, this.parameters[c]!));
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
    if (!isBinary(targets)) return this.rng.permutation(targets.length);
    const classes = [0, 1].map((label) => {
      const indices: number[] = [];
      targets.forEach((t, i) => t === label && indices.push(i));
      return this.rng.permutation(indices.length).map((k) => indices[k]!);
    });
    const order: number[] = [];
    const longest = Math.max(classes[0]!.length, classes[1]!.length);
    for (let k = 0; k < longest; k += 1) classes.forEach((c) => k < c.length && order.push(c[k]!));
    return order;
  }

  private readout(): GdReadout | null {
    if (this.setup.loss !== 'bce') return null;
    const c = this.controlCount;
    return { weight: this.parameters[c]!, bias: this.parameters[c + 1]! };
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error('GdTrainer: used after dispose()');
  }

  private static makeOptimizer(setup: GdTrainerSetup, parameterCount: number, restored?: GdOptimizerState): VectorOptimizer {
    const { optimizer: name, learningRate, betas, epsilon, momentum } = setup;
    return new VectorOptimizer({ name, learningRate, betas, epsilon, momentum }, parameterCount, restored);
  }

  private static validate(setup: GdTrainerSetup): void {
    const { dnpu, train, validation, epochs, batchSize, learningRate, loss, optimizer, constraint } = setup;
    if (!GD_LOSS_NAMES.includes(loss)) throw new RangeError(`unknown loss '${String(loss)}'`);
    if (optimizer !== 'adam' && optimizer !== 'sgd') throw new RangeError(`unknown optimizer '${String(optimizer)}'`);
    if (constraint !== 'clip' && constraint !== 'regul') throw new RangeError(`unknown constraint '${String(constraint)}'`);
    if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new RangeError(`learningRate must be positive, got ${learningRate}`);
    if (setup.momentum !== undefined && !(setup.momentum >= 0 && setup.momentum < 1)) throw new RangeError(`momentum must be in [0, 1), got ${setup.momentum}`);
    if (setup.betas && !setup.betas.every((b) => b >= 0 && b < 1)) throw new RangeError(`betas must be in [0, 1), got [${setup.betas.join(', ')}]`);
    if (setup.definition.inputCount !== dnpu.activationElectrodeCount) {
      throw new RangeError(`surrogate has ${setup.definition.inputCount} inputs, DNPU expects ${dnpu.activationElectrodeCount} activation electrodes`);
    }
    if (setup.definition.outputCount !== 1) throw new RangeError(`one output electrode is supported, the surrogate has ${setup.definition.outputCount}`);
    const checkSet = (set: GdDataset, what: string): void => {
      if (set.inputs.length === 0) throw new RangeError(`${what} set is empty`);
      if (set.targets.length !== set.inputs.length) throw new RangeError(`${what} targets has ${set.targets.length} values for ${set.inputs.length} points`);
      if (set.targets.some((t) => !Number.isFinite(t))) throw new RangeError(`${what} targets must be finite numbers`);
      if (CLASS_LOSSES.includes(loss)) {
        if (!isBinary(set.targets) || !set.targets.includes(0) || !set.targets.includes(1)) {
          throw new RangeError(`loss ${loss} needs ${what} targets of 0 and 1 with both classes present`);
        }
      }
    };
    checkSet(train, 'training');
    if (validation) checkSet(validation, 'validation');
    checkGdBatching(loss, train.inputs.length, batchSize);
  }
}

/**
 * corrsig needs both classes in every batch, fisher two points of each (for the variances). The
 * balanced shuffle guarantees that unless a batch is too short: refuse up front (the app does
 * before storing a run) rather than fail, or give NaN, in the middle of an epoch.
 */
export function checkGdBatching(loss: GdLossName, trainCount: number, batchSize: number): void {
  const minimumBatch = loss === 'fisher' ? 4 : loss === 'corrsig' || loss === 'sigmoid_nn_distance' ? 2 : 1;
  const last = trainCount % batchSize || batchSize;
  if (Math.min(batchSize, trainCount, last) < minimumBatch) {
    throw new RangeError(
      `loss ${loss} needs at least ${minimumBatch} points in every batch; with ${trainCount} training points and batch size ${batchSize} the last batch has ${Math.min(last, trainCount)} (choose another batch size)`,
    );
  }
}
