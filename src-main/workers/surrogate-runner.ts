/**
 * Surrogate training as a StepRunner: the sampled dataset split (seeded), one epoch of Adam on
 * MSE per step with the best-on-validation weights kept, and at the end the test figures and the
 * trained model (an artifact main stores in the model store).
 */
import type { SurrogateRunResult, SurrogateTrainingConfig } from '../../src-shared/ipc'
import {
  ivCurves,
  scatterSample,
  splitDataset,
  SurrogateTraining,
  testMetrics,
  trainedSurrogateDefinition,
  type DatasetSplit,
  type SurrogateTrainingState
} from '../core/surrogate-training'
import type { AlgorithmRunner, StepRunner } from './step-runner'
import type { SurrogateArtifact, TrainerDataset, TrainerSetup } from './trainer-protocol'

export interface SurrogateWorkerCheckpoint {
  algorithm: 'surrogate'
  state: SurrogateTrainingState
}

/** Test samples kept as the model's reference batch. */
export const REFERENCE_BATCH_POINTS = 512

export const surrogateRunner: AlgorithmRunner = {
  id: 'surrogate',
  create: (setup) => createSurrogateRunner(setup)
}

function datasetOf(setup: TrainerSetup): TrainerDataset {
  if (!setup.dataset) throw new Error('a surrogate training run needs its sampled dataset')
  return setup.dataset
}

export async function createSurrogateRunner(setup: TrainerSetup): Promise<StepRunner> {
  const config = setup.config as SurrogateTrainingConfig & { seed: number }
  const dataset = datasetOf(setup)
  const electrodeCount = dataset.electrodeRangesVolts.length
  const amplification = [dataset.amplification]
  const split = splitDataset(
    {
      inputsVolts: dataset.inputsVolts,
      outputsNanoamps: dataset.outputsNanoamps,
      count: dataset.outputsNanoamps.length,
      inputCount: electrodeCount,
      outputCount: 1
    },
    amplification,
    config.seed,
    config.split
  )
  const stored = setup.checkpoint as SurrogateWorkerCheckpoint | undefined
  const training = stored
    ? await SurrogateTraining.resume(split, stored.state)
    : await SurrogateTraining.start(split, electrodeCount, 1, {
        hiddenSizes: config.hiddenSizes,
        activation: config.activation,
        batchSize: config.batchSize,
        maxEpochs: config.epochs,
        patience: config.patience,
        adam: { learningRate: config.learningRate },
        seed: config.seed
      })
  return {
    get done() {
      return training.stopReason !== null
    },
    get stepsRun() {
      return training.epoch
    },
    async step() {
      const record = await training.runEpoch()
      const state = await training.state()
      const values = { trainLoss: record.trainLoss, validationLoss: record.validationLoss }
      const checkpoint: SurrogateWorkerCheckpoint = { algorithm: 'surrogate', state }
      return {
        type: 'step',
        report: {
          step: record.epoch,
          values,
          result: null,
          progress: {
            algorithm: 'surrogate',
            totalEpochs: config.epochs,
            epoch: { epoch: record.epoch, ...values },
            bestEpoch: state.best?.epoch ?? record.epoch
          }
        },
        checkpoint: { ...checkpoint }
      }
    },
    async finish(outcome) {
      if (training.epoch === 0) return { type: 'finished', outcome, result: null }
      const state = await training.state()
      const { result, artifact } = await evaluate(training, state, split, dataset, config, outcome)
      return { type: 'finished', outcome, result: { surrogate: result }, artifact }
    },
    dispose() {
      training.dispose()
    }
  }
}

async function evaluate(
  training: SurrogateTraining,
  state: SurrogateTrainingState,
  split: DatasetSplit,
  dataset: TrainerDataset,
  config: SurrogateTrainingConfig,
  outcome: 'completed' | 'stopped'
): Promise<{ result: SurrogateRunResult; artifact: SurrogateArtifact }> {
  const amplification = [dataset.amplification]
  const electrodeCount = dataset.electrodeRangesVolts.length
  const test = split.test
  const predicted = await training.predictNanoamps(test, amplification)
  const measured = test.targets.map((value) => value * dataset.amplification)
  const metrics = testMetrics(predicted, measured)
  const definition = trainedSurrogateDefinition(
    await training.bestLayers(),
    config.activation,
    {
      voltageRangesVolts: dataset.electrodeRangesVolts,
      amplification,
      clippingValueNanoamps: dataset.clippingNanoamps
    },
    {
      trained_with: 'DNPU Lab',
      dataset_id: dataset.datasetId,
      best_epoch: state.best?.epoch ?? training.epoch,
      test_rmse_nA: metrics.rmseNanoamps,
      test_correlation: metrics.correlation
    }
  )
  const referenceCount = Math.min(REFERENCE_BATCH_POINTS, test.count)
  return {
    result: {
      modelId: null,
      datasetId: dataset.datasetId,
      bestEpoch: state.best?.epoch ?? training.epoch,
      bestValidationLoss: state.best?.validationLoss ?? Number.NaN,
      endedBy: outcome === 'stopped' ? 'stopped' : (training.stopReason ?? 'max-epochs'),
      sampleCounts: { train: split.train.count, validation: split.validation.count, test: test.count },
      test: metrics,
      scatter: scatterSample(measured, predicted),
      ivCurves: ivCurves(test.inputs, electrodeCount, measured, predicted, dataset.electrodeRangesVolts)
    },
    artifact: {
      definition,
      referenceBatch: {
        inputsVolts: test.inputs.slice(0, referenceCount * electrodeCount),
        outputsNanoamps: measured.slice(0, referenceCount),
        electrodeCount
      }
    }
  }
}
