/**
 * Composition root of the main-process services, shared by the Electron shell, the browser-mode
 * server and the CLI: one database, one model catalog, one training service.
 */
import { join } from 'node:path'
import type { AppInfo } from '../../src-preload/contract'
import { initComputeBackend } from '../core'
import { ModelsRepository, openDatabase, RunsRepository } from '../store'
import { DATABASE_FILE_NAME } from './data-folder'
import { ModelCatalog } from './model-catalog'
import { TrainingService, type TrainerHandle } from './training-service'

export interface AppServicesOptions {
  dataFolder: string
  resourcesFolder: string
  version: string
  mode: AppInfo['mode']
  spawnTrainer: () => TrainerHandle
  /** better-sqlite3 binary built for this runtime (Electron needs its own ABI). */
  sqliteNativeBinding?: string
}

export interface AppServices {
  info: AppInfo
  runs: RunsRepository
  models: ModelCatalog
  training: TrainingService
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
  return {
    info: { version: options.version, computeBackend, dataFolder: options.dataFolder, mode: options.mode },
    runs,
    models,
    training,
    recoveredRunIds,
    async close() {
      await training.shutdown()
      database.close()
    }
  }
}
