/**
 * Composition root of the main-process services, shared by the Electron shell, the browser-mode
 * server and the CLI: one database, one model catalog, one training service.
 */
import { join } from 'node:path'
import type { AppInfo } from '../../src-preload/contract'
import { initComputeBackend } from '../core'
import { duplexTransport, type Transport } from '../instrument/driver'
import { createInProcessLink, createSurrogateInstrument, type ScpiInstrument } from '../instrument/simulator'
import { DeviceRepository, MeasurementsRepository, ModelsRepository, openDatabase, RunsRepository } from '../store'
import { DeviceService } from './device-service'
import { DATABASE_FILE_NAME } from './data-folder'
import { DEMO_MODEL_ID, ModelCatalog } from './model-catalog'
import { TrainingService, type TrainerHandle } from './training-service'

export interface AppServicesOptions {
  dataFolder: string
  resourcesFolder: string
  version: string
  mode: AppInfo['mode']
  spawnTrainer: () => TrainerHandle
  /** better-sqlite3 binary built for this runtime (Electron needs its own ABI). */
  sqliteNativeBinding?: string
  /** A fresh link to the built-in simulated instrument; given the catalog to find its device model. */
  openInProcessSimulator?: (models: ModelCatalog) => Promise<Transport>
}

export interface AppServices {
  info: AppInfo
  runs: RunsRepository
  models: ModelCatalog
  training: TrainingService
  device: DeviceService
  measurements: MeasurementsRepository
  /** Runs found `running` at start-up (the app died during them), now `interrupted`. */
  recoveredRunIds: number[]
  close(): Promise<void>
}

export async function createAppServices(options: AppServicesOptions): Promise<AppServices> {
  const computeBackend = await initComputeBackend()
  const database = openDatabase(join(options.dataFolder, DATABASE_FILE_NAME), {
    nativeBinding: options.sqliteNativeBinding
  })
  const runs = new RunsRepository(database)
  const recoveredRunIds = runs.markRunningAsInterrupted()
  const models = ModelCatalog.withBundledModels(options.resourcesFolder, new ModelsRepository(database))
  const training = new TrainingService(runs, models, options.spawnTrainer, computeBackend)
  const measurements = new MeasurementsRepository(database)
  const openSimulator = options.openInProcessSimulator ?? defaultInProcessSimulator
  const device = new DeviceService({
    devices: new DeviceRepository(database),
    measurements,
    runs,
    openInProcessSimulator: () => openSimulator(models)
  })
  training.attachDevice(device)
  return {
    info: { version: options.version, computeBackend, dataFolder: options.dataFolder, mode: options.mode },
    runs,
    models,
    training,
    device,
    measurements,
    recoveredRunIds,
    async close() {
      await training.shutdown()
      await device.close()
      database.close()
    }
  }
}

/**
 * The built-in simulated instrument ("Simulated DNPU"): one per process, its device the demo
 * surrogate, kept across reconnects like a real box. It plays 10x faster than real time by
 * default so a GA on it takes seconds per generation, not tens; DNPU_SIM_SPEED overrides
 * (a number, or "inf" for no waiting).
 */
let inProcessInstrument: ScpiInstrument | null = null
async function defaultInProcessSimulator(models: ModelCatalog): Promise<Transport> {
  if (!inProcessInstrument) {
    const demo = models.get(DEMO_MODEL_ID)
    if (!demo) throw new Error('the demo surrogate of the built-in simulated instrument is missing')
    inProcessInstrument = createSurrogateInstrument(demo.definition, { speed: inProcessSimulatorSpeed() })
  }
  return duplexTransport(createInProcessLink(inProcessInstrument), { description: 'Simulated DNPU (built in)' })
}

export function inProcessSimulatorSpeed(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.DNPU_SIM_SPEED?.trim()
  if (!text) return 10
  if (text === 'inf' || text === 'infinity') return Infinity
  const speed = Number(text)
  if (!Number.isFinite(speed) || speed <= 0) throw new Error(`DNPU_SIM_SPEED must be a positive number or "inf", got "${text}"`)
  return speed
}
