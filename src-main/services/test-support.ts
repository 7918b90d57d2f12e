/**
 * Test helpers: app services on a temporary data folder whose trainer runs the real trainer
 * loop over an in-process MessageChannel (the same messages a worker thread exchanges).
 */
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { importTorchSurrogate } from '../core'
import { runTrainerLoop } from '../workers/trainer-loop'
import type { FromTrainer, ToTrainer } from '../workers/trainer-protocol'
import { createAppServices, type AppServices, type AppServicesOptions } from './app-services'
import type { SurrogateFileReader } from './model-catalog'
import type { TrainerHandle } from './training-service'
import type { Transport } from '../instrument/driver'

/** A calibration's seven electrode rows, each calibrated to `range` volts (nothing saturated). */
export const calibratedElectrodes = (range: [number, number]) =>
  Array.from({ length: 7 }, (_, electrode) => ({
    electrode,
    rangeVolts: range,
    trialRangeVolts: null,
    suggestedRangeVolts: null,
    saturated: false
  }))

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

/**
 * The importer in the test's own thread, for tests about what a file holds. The worker-backed
 * reader the app uses is tested on its own (workers/surrogate-reader.test.ts) and end to end with
 * hostile files (hostile-upload.test.ts, cli/hostile-import.test.ts).
 */
export const readSurrogateFileInThread: SurrogateFileReader = async (bytes) => importTorchSurrogate(bytes)

export async function servicesOnTempFolder(
  spawnTrainer: () => TrainerHandle = inProcessTrainer,
  options: Partial<Pick<AppServicesOptions, 'openInProcessSimulator' | 'readSurrogateFile'>> = {}
): Promise<{ services: AppServices; dataFolder: string; cleanup: () => Promise<void> }> {
  const dataFolder = mkdtempSync(join(tmpdir(), 'dnpu-services-'))
  const services = await createAppServices({
    dataFolder,
    resourcesFolder: RESOURCES_FOLDER,
    version: '0.0.0-test',
    mode: 'browser',
    spawnTrainer,
    readSurrogateFile: readSurrogateFileInThread,
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

/**
 * Wraps a transport so every command written through it is recorded in `sent` (an upload's
 * binary block as `WAV:DATA <block>`); while `stalled()` answers true, writes never complete
 * (an instrument that stopped taking bytes).
 */
export function recordingTransport(
  transport: Transport,
  sent: string[],
  stalled: () => boolean = () => false
): Transport {
  const write = transport.write.bind(transport)
  transport.write = (bytes: Uint8Array) => {
    if (stalled()) return new Promise<void>(() => {})
    const text = Buffer.from(bytes).toString('latin1')
    sent.push(text.startsWith('WAV:DATA') ? 'WAV:DATA <block>' : text.trim())
    return write(bytes)
  }
  return transport
}
