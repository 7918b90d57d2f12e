/**
 * Composition root of the main-process services, shared by the Electron shell, the browser-mode
 * server and the CLI: one database, one model catalog, one training service.
 */
import { join } from 'node:path'
import type { AppInfo } from '../../src-shared/ipc'
import { initComputeBackend } from '../core'
import type { Transport } from '../instrument/driver'
import {
  DatasetsRepository,
  DeviceRepository,
  MeasurementsRepository,
  ModelChecksRepository,
  ModelsRepository,
  openDatabase,
  RunsRepository
} from '../store'
import { SamplingService } from './sampling-service'
import { SamplingSession } from './sampling-session'
import { DeviceService } from './device'
import { InProcessSimulator } from './in-process-simulator'
import { DATABASE_FILE_NAME } from './data-folder'
import { registerLastResortTarget } from './last-resort'
import { MeasurementService } from './measurement-service'
import { ModelCatalog, type SurrogateFileReader } from './model-catalog'
import { ModelCheckService } from './model-check-service'
import { RunReader } from './run-reader'
import { RunBundles } from './run-bundle/run-bundles'
import { armTestFault, parseTestFault, TEST_FAULT_VARIABLE } from './test-fault'
import { RunHistory } from './run-history'
import { TrainingService, type TrainerHandle } from './training-service'

export interface AppServicesOptions {
  dataFolder: string
  resourcesFolder: string
  version: string
  mode: AppInfo['mode']
  spawnTrainer: () => TrainerHandle
  /** Reads the surrogate files users import (the app's runs each in a limited worker thread). */
  readSurrogateFile: SurrogateFileReader
  /** better-sqlite3 binary built for this runtime (Electron needs its own ABI). */
  sqliteNativeBinding?: string
  /** A fresh link to the built-in simulated instrument; given the catalog to find its device model. */
  openInProcessSimulator?: (models: ModelCatalog) => Promise<Transport>
  /** Prints HTML to PDF: the Electron shell gives it (a hidden window); browser mode and the CLI do not. */
  printHtmlToPdf?: (html: string) => Promise<Buffer>
}

export interface AppServices {
  info: AppInfo
  runs: RunsRepository
  /** Runs as the app shows them (a run on the device with its calibrated ranges). */
  runReader: RunReader
  models: ModelCatalog
  training: TrainingService
  /** Search, annotate and delete runs (the History view and `dnpu runs ...`). */
  history: RunHistory
  device: DeviceService
  measurements: MeasurementService
  /** Datasets: sampling sessions of a device (a surrogate's training data). */
  datasets: DatasetsRepository
  /** Samples the connected device into a dataset (sampling-service.ts). */
  sampling: SamplingService
  /** The app's one sampling session (sampling:* channels), holding the device while it runs. */
  samplingSession: SamplingSession
  /** Runs shared with another lab PC as one `.dnpurun` file (run-bundle/). */
  runBundles: RunBundles
  /** Surrogate models checked against the device; each model's reference batch (model-check-service.ts). */
  modelChecks: ModelCheckService
  /** Runs found `running` at start-up (the app died during them), now `interrupted`. */
  recoveredRunIds: number[]
  /** Present in the Electron app only (see AppServicesOptions.printHtmlToPdf). */
  printHtmlToPdf?: (html: string) => Promise<Buffer>
  close(): Promise<void>
}

export async function createAppServices(options: AppServicesOptions): Promise<AppServices> {
  const testFault = parseTestFault(process.env[TEST_FAULT_VARIABLE])
  const computeBackend = await initComputeBackend()
  const database = await openDatabase(join(options.dataFolder, DATABASE_FILE_NAME), {
    nativeBinding: options.sqliteNativeBinding
  })
  const runs = new RunsRepository(database)
  const recoveredRunIds = runs.markRunningAsInterrupted()
  // The catalog refuses to delete the model the simulator plays; the simulator is made from the
  // catalog, so the catalog asks it late, through this function.
  const simulatorModelId = (): string => simulator.modelId
  const models = ModelCatalog.withBundledModels(
    options.resourcesFolder,
    new ModelsRepository(database),
    options.readSurrogateFile,
    simulatorModelId
  )
  const training = new TrainingService(runs, models, options.spawnTrainer, computeBackend, options.version)
  const measurements = new MeasurementsRepository(database)
  const simulator = new InProcessSimulator(models)
  const device = new DeviceService({
    devices: new DeviceRepository(database),
    measurements,
    runs,
    openInProcessSimulator: options.openInProcessSimulator
      ? () => options.openInProcessSimulator!(models)
      : () => simulator.open(),
    simulator,
    surrogateFor: (modelId) => models.get(modelId)?.definition
  })
  training.attachDevice(device)
  const datasets = new DatasetsRepository(database)
  // A dataset found `sampling` was left by a process that ended mid-session: mark it interrupted
  // here, at the next start, rather than from the last-resort handler, because this also covers
  // the deaths no handler sees (SIGKILL, a power cut, an Electron crash) and is the same rule
  // runs follow (markRunningAsInterrupted above). Its complete chunks stay; a resume completes it.
  datasets.markSamplingAsInterrupted(
    'DNPU Lab ended during this sampling session (found still sampling at the next start); its complete chunks are stored: resume it'
  )
  const modelChecks = new ModelChecksRepository(database)
  // A trained model keeps its test set's first samples, as measured, as the reference batch its
  // consistency checks measure again (the same weights trained twice keep the first batch).
  training.attachDatasets(datasets, (modelId, batch, datasetId) => {
    if (modelChecks.referenceBatchSummary(modelId)) return
    const dataset = datasets.get(datasetId)
    modelChecks.saveReferenceBatch(modelId, {
      ...batch,
      source: 'training-test-set',
      profileId: dataset?.profileId ?? null,
      calibrationId: dataset?.calibrationId ?? null
    })
  })
  // A fatal error in main sends the instrument ABOR and marks the run interrupted (last-resort.ts).
  const unregisterLastResort = registerLastResortTarget({
    abortInstrument: (message) => device.emergencyAbort(message),
    interruptActiveRun: (message) => training.interruptForFatalError(message)
  })
  if (testFault) armTestFault(training, testFault)
  const samplingSession = new SamplingSession(device, datasets)
  return {
    info: { version: options.version, computeBackend, dataFolder: options.dataFolder, mode: options.mode },
    runs,
    history: new RunHistory(runs, () => training.activeRun().runId),
    runReader: new RunReader(runs, (calibrationId) => device.calibrationRanges(calibrationId)),
    models,
    training,
    device,
    measurements: new MeasurementService(measurements),
    datasets,
    sampling: new SamplingService(device, datasets),
    samplingSession,
    runBundles: new RunBundles(database, options.version),
    modelChecks: new ModelCheckService(device, models, modelChecks),
    recoveredRunIds,
    printHtmlToPdf: options.printHtmlToPdf,
    async close() {
      await training.shutdown()
      await samplingSession.shutdown()
      await device.close()
      simulator.close()
      database.close()
      unregisterLastResort()
    }
  }
}
