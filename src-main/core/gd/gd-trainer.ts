// Gradient-descent training of ONE DNPU node's control voltages on a frozen surrogate (brainspy
// gd.train with default_train_step / default_val_step), one epoch per step() so callers can
// report progress, pause, checkpoint and resume, as GaTrainer does.
//
// Draw order from the one seeded Rng (changing it changes every seeded run): the initial
// control voltages, uniform in their ranges in control-electrode order; with loss 'bce' the
// readout weight and then its bias, uniform in [-1, 1] (torch.nn.Linear(1, 1)'s default init);
// then per epoch one training-set shuffle (see shuffleOrder).
import * as tf from '@tensorflow/tfjs';
import type { Dnpu } from '../dnpu.js';
import { Rng, randomSeed } from '../rng.js';
import type { SimulationOptions } from '../surrogate.js';
import type { SurrogateDefinition } from '../surrogate-definition.js';
import { DifferentiableSurrogate } from './differentiable-surrogate.js';
import { bceWithLogitsLoss, corrsigLoss, fisherLoss, mseLoss } from './losses.js';

export type GdLossName = 'corrsig' | 'fisher' | 'mse' | 'bce';
export type GdOptimizerName = 'adam' | 'sgd';
export type GdConstraint = 'clip' | 'regul';

export const GD_LOSS_NAMES: readonly GdLossName[] = ['corrsig', 'fisher', 'mse', 'bce'];

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

export interface GdOptimizerState {
  name: GdOptimizerName;
  iterations: number;
  /** optimizer.getWeights() after the iteration counter: Adam m then v per variable, or SGD momentum buffers. */
  weights: { name: string; shape: number[]; values: number[] }[];
}

export interface GdCheckpoint {
  version: 1;
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
  private readonly surrogate: DifferentiableSurrogate;
  private rng: Rng;
  private readonly controls: tf.Variable<tf.Rank.R1>;
  private readonly readoutWeight: tf.Variable<tf.Rank.R0> | null;
  private readonly readoutBias: tf.Variable<tf.Rank.R0> | null;
  private optimizer: tf.Optimizer;
  private readonly controlLo: tf.Tensor1D;
  private readonly controlHi: tf.Tensor1D;
  /** Scatter matrices: rows = data @ dataScatter + controls @ controlScatter. */
  private readonly dataScatter: tf.Tensor2D;
  private readonly controlScatter: tf.Tensor2D;
  private readonly trainData: number[][];
  private readonly validationData: number[][] | null;
  private epochsRun = 0;
  private readonly trainLosses: number[] = [];
  private readonly validationLosses: number[] = [];
  private best: Snapshot | null = null;
  private disposed = false;

  private constructor(setup: GdTrainerSetup, surrogate: DifferentiableSurrogate, seed: number) {
    this.setup = setup;
    this.surrogate = surrogate;
    this.seed = seed;
    this.rng = new Rng(seed);
    const { dnpu } = setup;
    const ranges = dnpu.controlRangesVolts;
    const init = ranges.map(([lo, hi]) => this.rng.uniform(lo, hi));
    this.controls = tf.variable(tf.tensor1d(init, 'float32'), true);
    if (setup.loss === 'bce') {
      this.readoutWeight = tf.variable(tf.scalar(this.rng.uniform(-1, 1), 'float32'), true);
      this.readoutBias = tf.variable(tf.scalar(this.rng.uniform(-1, 1), 'float32'), true);
    } else {
      this.readoutWeight = null;
      this.readoutBias = null;
    }
    this.optimizer = GdTrainer.makeOptimizer(setup);
    this.controlLo = tf.tensor1d(ranges.map(([lo]) => float32Inward(lo, 1)), 'float32');
    this.controlHi = tf.tensor1d(ranges.map(([, hi]) => float32Inward(hi, -1)), 'float32');
    // The float32 variable may round a draw next to a bound just outside it.
    this.clipControls();
    const electrodes = dnpu.activationElectrodeCount;
    const dataScatter = new Float32Array(dnpu.dataElectrodes.length * electrodes);
    dnpu.dataElectrodes.forEach((electrode, d) => (dataScatter[d * electrodes + electrode] = 1));
    const controlScatter = new Float32Array(dnpu.controlElectrodes.length * electrodes);
    dnpu.controlElectrodes.forEach((electrode, c) => (controlScatter[c * electrodes + electrode] = 1));
    this.dataScatter = tf.tensor2d(dataScatter, [dnpu.dataElectrodes.length, electrodes]);
    this.controlScatter = tf.tensor2d(controlScatter, [dnpu.controlElectrodes.length, electrodes]);
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
    const surrogate = await DifferentiableSurrogate.create(setup.definition, setup.simulation ?? {});
    return new GdTrainer(copy, surrogate, setup.seed ?? randomSeed());
  }

  get done(): boolean {
    return this.epochsRun >= this.setup.epochs;
  }

  get epoch(): number {
    return this.epochsRun;
  }

  get controlVoltages(): number[] {
    return Array.from(this.controls.dataSync());
  }

  /** One pass over the shuffled training set in mini-batches, then the validation loss. */
  async step(): Promise<GdEpochResult> {
    this.checkUsable();
    if (this.done) throw new Error(`GdTrainer: already ran all ${this.setup.epochs} epochs`);
    const { train, batchSize } = this.setup;
    const order = this.shuffleOrder(train.targets);
    const variables = this.trainableVariables();
    let running = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      const data = batch.map((i) => this.trainData[i]!);
      const targets = batch.map((i) => train.targets[i]!);
      const cost = this.optimizer.minimize(() => this.objective(data, targets, true), true, variables)!;
      const value = (await cost.data())[0]!;
      cost.dispose();
      if (this.setup.constraint === 'clip') this.clipControls();
      running += value * batch.length;
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
    if (controls.length !== this.setup.dnpu.controlElectrodes.length) {
      throw new RangeError(`expected ${this.setup.dnpu.controlElectrodes.length} control voltages, got ${controls.length}`);
    }
    const data = this.setup.dnpu.dataVoltages(inputs);
    if (data.length === 0) return [];
    const output = tf.tidy(() => this.forward(data, tf.tensor1d(controls, 'float32')));
    const values = Array.from(await output.data());
    output.dispose();
    return values;
  }

  /**
   * Everything needed to continue exactly, as plain JSON, including the optimiser's moments
   * (read through optimizer.getWeights(), hence async).
   */
  async checkpoint(): Promise<GdCheckpoint> {
    this.checkUsable();
    const named = await this.optimizer.getWeights();
    const [iterations, ...weights] = named;
    const optimizer: GdOptimizerState = {
      name: this.setup.optimizer,
      iterations: (await iterations!.tensor.data())[0]!,
      weights: await Promise.all(weights.map(async ({ name, tensor }) => ({ name, shape: [...tensor.shape], values: Array.from(await tensor.data()) }))),
    };
    iterations!.tensor.dispose(); // saveIterations() makes a fresh scalar; the moments are live variables.
    return {
      version: 1,
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
      optimizer,
    };
  }

  /** Resume: `setup` supplies the data and settings, which must match the checkpoint's. */
  static async fromCheckpoint(setup: GdTrainerSetup, checkpoint: GdCheckpoint): Promise<GdTrainer> {
    if (checkpoint.version !== 1) throw new Error(`unsupported GD checkpoint version ${String(checkpoint.version)}`);
    const mismatches: string[] = [];
    if (setup.loss !== checkpoint.loss) mismatches.push(`loss ${setup.loss} vs ${checkpoint.loss}`);
    if (setup.optimizer !== checkpoint.optimizerName) mismatches.push(`optimizer ${setup.optimizer} vs ${checkpoint.optimizerName}`);
    if (setup.epochs !== checkpoint.epochs) mismatches.push(`epochs ${setup.epochs} vs ${checkpoint.epochs}`);
    if (setup.seed !== undefined && setup.seed !== checkpoint.seed) mismatches.push(`seed ${setup.seed} vs ${checkpoint.seed}`);
    if (setup.dnpu.controlElectrodes.length !== checkpoint.controlVoltages.length) mismatches.push('control electrode count differs');
    if (mismatches.length > 0) throw new Error(`GD checkpoint does not match this setup: ${mismatches.join('; ')}`);
    const trainer = await GdTrainer.create({ ...setup, seed: checkpoint.seed });
    trainer.controls.assign(tf.tensor1d(checkpoint.controlVoltages, 'float32'));
    if (checkpoint.readout && trainer.readoutWeight && trainer.readoutBias) {
      trainer.readoutWeight.assign(tf.scalar(checkpoint.readout.weight, 'float32'));
      trainer.readoutBias.assign(tf.scalar(checkpoint.readout.bias, 'float32'));
    }
    trainer.epochsRun = checkpoint.epochsRun;
    trainer.trainLosses.push(...checkpoint.trainLosses);
    trainer.validationLosses.push(...checkpoint.validationLosses);
    trainer.best = checkpoint.best === null ? null : { ...checkpoint.best, controlVoltages: [...checkpoint.best.controlVoltages] };
    trainer.rng = Rng.fromState(checkpoint.rngState);
    const { iterations, weights } = checkpoint.optimizer;
    await trainer.optimizer.setWeights([
      { name: 'iter', tensor: tf.scalar(iterations, 'int32') },
      ...weights.map(({ name, shape, values }) => ({ name, tensor: tf.tensor(values, shape, 'float32') })),
    ]);
    return trainer;
  }

  /** Frees the tfjs variables and constants. The trainer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    this.surrogate.dispose();
    tf.dispose([this.controls, this.controlLo, this.controlHi, this.dataScatter, this.controlScatter]);
    if (this.readoutWeight) tf.dispose([this.readoutWeight, this.readoutBias!]);
  }

  // Rows = data at data electrodes + controls at control electrodes, as two scatter matmuls so
  // the whole assembly stays differentiable in the controls. Unlike Dnpu.assembleBatch this
  // does not refuse out-of-range controls: with 'regul' they may leave their ranges in
  // simulation (the penalty pulls them back); hardware use must check them.
  private forward(data: number[][], controls: tf.Tensor1D): tf.Tensor1D {
    const dataTensor = tf.tensor2d(data, [data.length, this.setup.dnpu.dataElectrodes.length], 'float32');
    const rows = tf.add(tf.matMul(dataTensor, this.dataScatter), tf.matMul(tf.reshape(controls, [1, -1]), this.controlScatter)) as tf.Tensor2D;
    const out = this.surrogate.forward(rows);
    // One output electrode: column 0.
    return tf.reshape(tf.slice(out, [0, 0], [data.length, 1]), [data.length]) as tf.Tensor1D;
  }

  private objective(data: number[][], targets: number[], withRegularizer: boolean): tf.Scalar {
    const output = this.forward(data, this.controls);
    let loss: tf.Scalar;
    switch (this.setup.loss) {
      case 'corrsig':
        loss = corrsigLoss(output, targets);
        break;
      case 'fisher':
        loss = fisherLoss(output, targets);
        break;
      case 'mse':
        loss = mseLoss(output, targets);
        break;
      case 'bce':
        loss = bceWithLogitsLoss(tf.add(tf.mul(output, this.readoutWeight!), this.readoutBias!) as tf.Tensor1D, targets);
        break;
    }
    if (withRegularizer && this.setup.constraint === 'regul') loss = tf.add(loss, this.regularizer()) as tf.Scalar;
    return loss;
  }

  /** sum over controls of relu(lo - v) + relu(v - hi) (DNPU.regularizer). */
  private regularizer(): tf.Scalar {
    return tf.sum(tf.add(tf.relu(tf.sub(this.controlLo, this.controls)), tf.relu(tf.sub(this.controls, this.controlHi)))) as tf.Scalar;
  }

  // Validation: the criterion only (no regularizer), as the reference's val step, but on the
  // whole validation set in one batch rather than averaged over batches: corrsig's min / max
  // terms depend on the batch, and one batch makes the best-model choice independent of it.
  private async lossOf(data: number[][], targets: number[]): Promise<number> {
    const loss = tf.tidy(() => this.objective(data, targets, false));
    const value = (await loss.data())[0]!;
    loss.dispose();
    return value;
  }

  private clipControls(): void {
    tf.tidy(() => this.controls.assign(tf.minimum(tf.maximum(this.controls, this.controlLo), this.controlHi)));
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

  private trainableVariables(): tf.Variable[] {
    return this.readoutWeight ? [this.controls, this.readoutWeight, this.readoutBias!] : [this.controls];
  }

  private readout(): GdReadout | null {
    if (!this.readoutWeight || !this.readoutBias) return null;
    return { weight: this.readoutWeight.dataSync()[0]!, bias: this.readoutBias.dataSync()[0]! };
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error('GdTrainer: used after dispose()');
  }

  private static makeOptimizer(setup: GdTrainerSetup): tf.Optimizer {
    if (setup.optimizer === 'adam') {
      const [beta1, beta2] = setup.betas ?? [0.9, 0.999];
      return tf.train.adam(setup.learningRate, beta1, beta2, setup.epsilon ?? 1e-8);
    }
    const momentum = setup.momentum ?? 0;
    return momentum > 0 ? tf.train.momentum(setup.learningRate, momentum) : tf.train.sgd(setup.learningRate);
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
    // corrsig needs both classes in every batch, fisher two points of each (for the variances).
    // The balanced shuffle guarantees that unless the last batch is too short: refuse up front
    // rather than fail (or give NaN) in the middle of an epoch.
    const minimumBatch = loss === 'fisher' ? 4 : loss === 'corrsig' ? 2 : 1;
    const last = train.inputs.length % batchSize || batchSize;
    if (Math.min(batchSize, train.inputs.length, last) < minimumBatch) {
      throw new RangeError(`loss ${loss} needs at least ${minimumBatch} points in every batch; the last batch has ${last} (choose another batchSize)`);
    }
  }
}
