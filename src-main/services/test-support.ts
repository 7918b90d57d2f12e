/**
 * Test helpers: app services on a temporary data folder whose trainer runs the real trainer
 * loop over an in-process MessageChannel (the same messages a worker thread exchanges).
 */
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { runTrainerLoop } from '../workers/trainer-loop'
import type { FromTrainer, ToTrainer } from '../workers/trainer-protocol'
import { createAppServices, type AppServices, type AppServicesOptions } from './app-services'
import type { TrainerHandle } from './training-service'

export const RESOURCES_FOLDER = resolve(import.meta.dirname, '..', '..', 'resources')

export function inProcessTrainer(): TrainerHandle {
  const { port1: mainSide, port2: trainerSide } = new MessageChannel()
  runTrainerLoop({
    postMessage: (message: FromTrainer) => trainerSide.postMessage(message),
    on: (_event, listener) => trainerSide.on('message', (message: ToTrainer) => listener(message))
  })
  const events = new EventEmitter()
  mainSide.on('message', (message: FromTrainer) => events.emit('message', message))
  return {
    postMessage: (message: ToTrainer) => mainSide.postMessage(message),
    on: (event: string, listener: (...args: any[]) => void) => events.on(event, listener), // eslint-disable-line @typescript-eslint/no-explicit-any
    terminate: async () => {
      mainSide.close()
      trainerSide.close()
      return 0
    }
  } as TrainerHandle
}

export async function servicesOnTempFolder(
  spawnTrainer: () => TrainerHandle = inProcessTrainer,
  options: Pick<AppServicesOptions, 'openInProcessSimulator'> = {}
): Promise<{ services: AppServices; dataFolder: string; cleanup: () => Promise<void> }> {
  const dataFolder = mkdtempSync(join(tmpdir(), 'dnpu-services-'))
  const services = await createAppServices({
    dataFolder,
    resourcesFolder: RESOURCES_FOLDER,
    version: '0.0.0-test',
    mode: 'browser',
    spawnTrainer,
    ...options
  })
  return {
    services,
    dataFolder,
    async cleanup() {
      await services.close()
      rmSync(dataFolder, { recursive: true, force: true })
    }
  }
}
