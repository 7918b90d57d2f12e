/**
 * Surrogate training's main-process half: the dataset it learns from (checked before the run is
 * stored), the trained model stored in the model store when it ends, and its CLI text.
 */
import type { RunDetail, SurrogateTrainingConfig, TrainingProgressEvent } from '../../../src-shared/ipc'
import type { SurrogateArtifact } from '../../workers/trainer-protocol'
import { refused } from '../validation-voltages'
import type { PreparedRun, RunContext, ServiceAlgorithm } from './descriptor'
import { fixed, runHeadJson } from './text'

type SurrogateEvent = Extract<TrainingProgressEvent, { algorithm: 'surrogate' }>

/**
 * Fewest samples a dataset must keep (clipped ones dropped) to be trained on: each of the three
 * sets then holds a few dozen at the smallest fractions.
 */
export const MIN_TRAINING_SAMPLES = 200

function prepareSurrogateRun(config: SurrogateTrainingConfig, context: RunContext): PreparedRun {
  const datasets = context.datasets
  if (!datasets) throw new Error('datasetId: this DNPU Lab process has no dataset store')
  const dataset = datasets.get(config.datasetId)
  if (!dataset) throw new Error(`datasetId: no dataset ${config.datasetId}`)
  if (dataset.status !== 'complete')
    throw new Error(
      `datasetId: dataset ${dataset.id} is ${dataset.status} (${dataset.chunksStored} of ${dataset.chunkCountTarget} chunks): resume its sampling first (dnpu sample --resume ${dataset.id} --port PATH)`
    )
  if (dataset.keptCount < MIN_TRAINING_SAMPLES)
    throw new Error(
      `datasetId: dataset ${dataset.id} keeps ${dataset.keptCount} samples (${dataset.clippedCount} clipped ones dropped); training needs at least ${MIN_TRAINING_SAMPLES}`
    )
  const arrays = datasets.readDataset(dataset.id)
  return {
    task: 'surrogate',
    modelId: '',
    controlElectrodes: [],
    targets: [],
    setup: {
      dataset: {
        datasetId: dataset.id,
        inputsVolts: arrays.inputsVolts,
        outputsNanoamps: arrays.outputsNanoamps,
        electrodeRangesVolts: arrays.electrodeRanges,
        amplification: arrays.amplification,
        clippingNanoamps: arrays.clipping
      }
    }
  }
}

/** The model's name: the one asked for, else after its dataset and run. */
export function trainedModelName(config: SurrogateTrainingConfig, runId: number): string {
  return config.modelName ?? `Surrogate of dataset ${config.datasetId} (run ${runId})`
}

export const surrogateService: ServiceAlgorithm = {
  id: 'surrogate',
  checkConfig: () => ({ targets: [] }),
  prepareRun: (config, context) => prepareSurrogateRun(config as SurrogateTrainingConfig, context),
  storeArtifact({ runId, config }, artifact, result, context) {
    const trained = artifact as SurrogateArtifact | undefined
    const surrogate = result?.surrogate
    if (!trained || !surrogate) return { result }
    const training = config as SurrogateTrainingConfig
    const test = surrogate.test
    const stored = context.models.addTrained(trained.definition, {
      name: trainedModelName(training, runId),
      notes: `Trained by run ${runId} on dataset ${training.datasetId}: test RMSE ${test.rmseNanoamps.toPrecision(4)} nA, correlation ${fixed(test.correlation, 4)} (best epoch ${surrogate.bestEpoch}).`,
      sourceFileName: `run-${runId}`
    })
    context.saveReferenceBatch?.(stored.id, trained.referenceBatch, training.datasetId)
    return { result: { ...result, surrogate: { ...surrogate, modelId: stored.id } }, modelId: stored.id }
  },
  planValidation(run) {
    throw refused(
      run,
      'a surrogate training run has no control voltages: check its model against the device from Models (dnpu surrogate check MODEL_ID --port PATH)'
    )
  },
  describeValidation: () => [],
  cli: {
    progressFormat: (config) =>
      `surrogate of dataset ${(config as SurrogateTrainingConfig).datasetId} |{bar}| {value}/{total} epochs | train loss {a} | validation loss {b}`,
    progressValues(event) {
      const { epoch } = event as SurrogateEvent
      return { value: epoch.epoch, a: epoch.trainLoss.toPrecision(4), b: epoch.validationLoss?.toPrecision(4) ?? '-' }
    },
    describeResult(run: RunDetail, seconds) {
      const result = run.surrogate
      const lines = [`run ${run.id} ${run.status} after ${run.steps} epochs in ${seconds.toFixed(2)} s`]
      if (result) {
        const relative = result.test.rmseRelativeToRange
        lines.push(
          `best epoch ${result.bestEpoch} (ended by ${result.endedBy}); samples: ${result.sampleCounts.train} train, ${result.sampleCounts.validation} validation, ${result.sampleCounts.test} test`,
          `test RMSE ${result.test.rmseNanoamps.toPrecision(4)} nA (${relative === null ? '-' : (relative * 100).toFixed(2)} % of the output range), correlation ${fixed(result.test.correlation, 4)}`,
          result.modelId === null
            ? 'the model was not stored'
            : `model ${result.modelId} stored: train on it with --model ${result.modelId}`
        )
      }
      if (run.resumable) lines.push(`continue it with: dnpu runs resume ${run.id}`)
      return [...lines, '']
    },
    resultJson: (run, history) => ({
      ...runHeadJson(run),
      epochs: run.steps,
      datasetId: (run.config as SurrogateTrainingConfig).datasetId,
      modelId: run.surrogate?.modelId ?? null,
      bestEpoch: run.surrogate?.bestEpoch ?? null,
      endedBy: run.surrogate?.endedBy ?? null,
      sampleCounts: run.surrogate?.sampleCounts ?? null,
      test: run.surrogate?.test ?? null,
      history,
      error: run.error
    })
  }
}
