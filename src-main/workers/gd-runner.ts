/**
 * A GD run on a surrogate, as a StepRunner: the ring task's dataset, one epoch per step, and at
 * the end the returned controls scored by perceptron accuracy on train / validation / test.
 */
import type { GdTrainingConfig, RunAccuracy, RunResultUpdate } from '../../src-shared/ipc'
import {
  Dnpu,
  evaluationPart,
  GdTrainer,
  ringTaskSplit,
  taskAccuracyPercent,
  type GdCheckpoint,
  type GdDataset,
  type GdTrainerSetup,
  type SurrogateDefinition
} from '../core'
import { EvaluationPool } from './evaluation-pool'
import { modelOf } from './trainer-protocol'
import type { AlgorithmRunner, StepRunner } from './step-runner'

export interface GdWorkerCheckpoint {
  algorithm: 'gd'
  trainer: GdCheckpoint
}

export const gdRunner: AlgorithmRunner = {
  id: 'gd',
  create: (setup) =>
    createGdRunner(
      setup.config as GdTrainingConfig & { seed: number },
      modelOf(setup),
      setup.checkpoint as GdWorkerCheckpoint | undefined,
      setup.workers
    )
}

export interface RingDatasets {
  train: GdDataset
  validation: GdDataset
  test: GdDataset
}

/** The ring task's points, from the config's own data seed (the same for every run that shares it). */
export function ringDatasets(config: GdTrainingConfig): RingDatasets {
  return ringTaskSplit(config.ring)
}

export async function createGdRunner(
  config: GdTrainingConfig & { seed: number },
  definition: SurrogateDefinition,
  checkpoint: GdWorkerCheckpoint | undefined,
  /** Threads sharing each batch's forward and input gradient (default: the number of cores); results do not depend on it. */
  workers?: number
): Promise<StepRunner> {
  const data = ringDatasets(config)
  const dnpu = new Dnpu({
    activationElectrodeCount: definition.inputCount,
    voltageRangesVolts: definition.voltageRangesVolts,
    dataElectrodes: config.dataElectrodes,
    inputRange: config.inputRange
  })
  const setup: GdTrainerSetup = {
    definition,
    simulation: {
      amplification: config.simulation?.amplification,
      clippingValueNanoamps: config.simulation?.clippingValueNanoamps
    },
    dnpu,
    train: data.train,
    validation: data.validation.inputs.length > 0 ? data.validation : undefined,
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    optimizer: config.optimizer,
    constraint: config.constraint,
    loss: config.loss,
    seed: config.seed,
    returnBestModel: true,
    // The trainer disposes the pool (and so its threads) with itself.
    createProcessor: (model, simulation) => new EvaluationPool({ definition: model, simulation, workers })
  }
  const trainer = checkpoint ? await GdTrainer.fromCheckpoint(setup, checkpoint.trainer) : await GdTrainer.create(setup)
  const hasValidation = setup.validation !== undefined
  return {
    get done() {
      return trainer.done
    },
    get stepsRun() {
      return trainer.epoch
    },
    async step() {
      const result = await trainer.step()
      const state = trainer.checkpoint()
      // Without a validation set the returned controls are the latest ones.
      const improved = !hasValidation || state.best?.epoch === result.epoch
      const values = { trainLoss: result.trainLoss, validationLoss: result.validationLoss }
      const checkpoint: GdWorkerCheckpoint = { algorithm: 'gd', trainer: state }
      return {
        type: 'step',
        report: {
          step: result.epoch,
          values,
          // The best-on-validation controls, when this epoch improved on them (every epoch without validation).
          result: improved ? { bestControlVoltages: trainer.result().controlVoltages } : null,
          progress: { algorithm: 'gd', totalEpochs: config.epochs, epoch: { epoch: result.epoch, ...values } }
        },
        checkpoint: { ...checkpoint }
      }
    },
    async finish(outcome) {
      return {
        type: 'finished',
        outcome,
        result: trainer.epoch > 0 ? await evaluate(trainer, data, config.seed) : null
      }
    },
    dispose() {
      trainer.dispose()
    }
  }
}

/** The returned controls' outputs on every part of the dataset, and their perceptron accuracy. */
async function evaluate(trainer: GdTrainer, data: RingDatasets, seed: number): Promise<RunResultUpdate> {
  const { controlVoltages } = trainer.result()
  const scored = async (set: GdDataset): Promise<{ outputs: number[]; percent: number | null }> => {
    if (set.inputs.length === 0) return { outputs: [], percent: null }
    const outputs = await trainer.outputsNanoamps(set.inputs, controlVoltages)
    return { outputs, percent: taskAccuracyPercent(outputs, set.targets, seed) }
  }
  const train = await scored(data.train)
  const validation = await scored(data.validation)
  const test = await scored(data.test)
  const accuracy: RunAccuracy = {
    trainPercent: train.percent,
    validationPercent: validation.percent,
    testPercent: test.percent
  }
  // The evaluation set the run's output-vs-target chart shows: test, else validation, else train.
  const { part, data: shownData } = evaluationPart(data)
  const shown = { test, validation, train }[part]
  return {
    bestControlVoltages: controlVoltages,
    bestOutputsNanoamps: shown.outputs,
    targets: [...shownData.targets],
    accuracy
  }
}
