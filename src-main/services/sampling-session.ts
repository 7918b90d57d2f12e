/**
 * The app's one sampling session (sampling:* channels): holds the device for the whole session
 * (DeviceService.holdForSampling, labelled `sampling dataset N`, so a run, a calibration or a
 * check is refused meanwhile, and a session is refused while one of them uses the device), runs
 * a SamplingService on that hold, forwards its progress with the last chunk decimated for a live
 * plot, and on every ending frees the device, which drives the outputs to 0 V (ABOR), as the CLI
 * does when it closes the device.
 *
 * A lost link ends the session with the dataset `interrupted` (every complete chunk stored);
 * `resume` completes it once the device is back. A process that dies mid-session leaves its
 * dataset `sampling`: the next start marks it interrupted (app-services.ts).
 */
import { EventEmitter } from 'node:events'
import {
  MAX_LIVE_PLOT_POINTS,
  type SamplingActive,
  type SamplingFinishedEvent,
  type SamplingPlanView,
  type SamplingProgressEvent
} from '../../src-shared/ipc'
import type { DatasetsRepository } from '../store'
import type { DeviceService } from './device'
import { SamplingService, type DatasetDetail, type SamplingProgress, type SamplingRequest } from './sampling-service'

interface Session {
  datasetId: number | null
  service: SamplingService
  progress: Omit<SamplingActive, 'pausing' | 'datasetId'>
  pausing: boolean
}

export class SamplingSession extends EventEmitter<{
  progress: [SamplingProgressEvent]
  finished: [SamplingFinishedEvent]
}> {
  private current: Session | null = null

  constructor(
    private readonly device: DeviceService,
    private readonly datasets: DatasetsRepository
  ) {
    super()
  }

  /** What `request` would sample on the connected device, and every reason it cannot start now. */
  plan(request: SamplingRequest): SamplingPlanView {
    const refusals: string[] = []
    if (this.current)
      refusals.push(`dataset ${this.current.datasetId} is being sampled: pause it or wait for it to end`)
    else {
      const busy = this.device.samplingBusyReason()
      if (busy !== null) refusals.push(`${capitalised(busy)}: wait for it to end`)
    }
    let target
    try {
      target = this.device.samplingTarget()
    } catch (error) {
      return { refusals: [...refusals, (error as Error).message], device: null, plan: null }
    }
    const device = {
      profileId: target.profileId,
      profileName: target.profileName,
      calibrationId: target.calibrationId,
      calibrationVersion: target.calibrationVersion
    }
    try {
      // A throwaway service: planning sends nothing and stores nothing.
      const planned = new SamplingService(this.device, this.datasets).plan(request, target)
      const s = planned.settings
      return {
        refusals,
        device,
        plan: {
          chunkCount: planned.chunkCount,
          chunkSamples: s.chunkSamples,
          rampSamples: s.rampSamples,
          sampleCount: planned.chunkCount * s.chunkSamples,
          sampleRateHz: s.sampleRateHz,
          frequencyFactor: s.frequencyFactor,
          frequencyFactorLowered: planned.frequencyFactorLowered,
          frequenciesHz: s.frequenciesHz,
          electrodeRangesVolts: s.electrodeRangesVolts
        }
      }
    } catch (error) {
      return { refusals: [...refusals, (error as Error).message], device, plan: null }
    }
  }

  /** Starts a new dataset; resolves once it exists and its first chunk is on its way. */
  start(request: SamplingRequest): Promise<{ datasetId: number }> {
    return this.launch('sampling a new dataset', (service) => service.start(request))
  }

  /** Completes an interrupted or paused dataset (refused, nothing sent, when it cannot be). */
  resume(datasetId: number): Promise<{ datasetId: number }> {
    if (!this.datasets.get(datasetId)) return Promise.reject(new Error(`datasetId: no dataset ${datasetId}`))
    return this.launch(`sampling dataset ${datasetId}`, (service) => service.resume(datasetId))
  }

  /** Ends the session after the chunk being played; its dataset becomes `paused`. */
  pause(): { datasetId: number; pausing: boolean } {
    const session = this.current
    if (!session || session.datasetId === null) throw new Error('no sampling session is in progress')
    session.service.requestPause()
    session.pausing = true
    return { datasetId: session.datasetId, pausing: true }
  }

  active(): SamplingActive {
    const session = this.current
    if (!session) return { datasetId: null, chunksDone: 0, chunksTotal: 0, etaSeconds: null, pausing: false }
    return { datasetId: session.datasetId, ...session.progress, pausing: session.pausing }
  }

  /** The dataset being sampled, or null (app close, last resort). */
  activeDatasetId(): number | null {
    return this.current?.datasetId ?? null
  }

  /** App close: a session in progress ends paused after its chunk, and the device is freed. */
  async shutdown(): Promise<void> {
    const session = this.current
    if (!session) return
    session.service.requestPause()
    await new Promise<void>((resolve) => this.once('finished', () => resolve()))
  }

  private async launch(
    doing: string,
    run: (service: SamplingService) => Promise<DatasetDetail>
  ): Promise<{ datasetId: number }> {
    if (this.current) {
      throw new Error(
        `cannot sample the device: dataset ${this.current.datasetId} is being sampled; pause it or wait for it to end`
      )
    }
    const hold = this.device.holdForSampling(doing)
    const service = new SamplingService(hold, this.datasets)
    const session: Session = {
      datasetId: null,
      service,
      progress: { chunksDone: 0, chunksTotal: 0, etaSeconds: null },
      pausing: false
    }
    this.current = session
    service.on('progress', (progress) => {
      if (session.datasetId === null) {
        session.datasetId = progress.datasetId
        hold.relabel(`sampling dataset ${progress.datasetId}`)
      }
      session.progress = {
        chunksDone: progress.chunksDone,
        chunksTotal: progress.chunksTotal,
        etaSeconds: progress.etaSeconds
      }
      this.emit('progress', progressEvent(progress, this.datasets))
    })
    // The service's synchronous part runs here: it refuses, or creates (or reopens) the dataset
    // and emits its first progress before anything is awaited.
    const ending = run(service)
    if (session.datasetId === null) {
      try {
        await ending
      } catch (error) {
        this.current = null
        await hold.release()
        throw error
      }
    }
    const datasetId = session.datasetId!
    void ending.then(
      () => this.end(session, hold.release, null),
      (error: unknown) => this.end(session, hold.release, error)
    )
    return { datasetId }
  }

  private async end(session: Session, release: () => Promise<void>, error: unknown): Promise<void> {
    const datasetId = session.datasetId!
    // SamplingStoppedError set the status already; anything else (a bug, a store failure) must
    // not leave the dataset `sampling`.
    if (error !== null && this.datasets.get(datasetId)?.status === 'sampling') {
      this.datasets.setStatus(datasetId, 'interrupted', (error as Error).message ?? String(error))
    }
    await release()
    this.current = null
    const dataset = this.datasets.get(datasetId)!
    this.emit('finished', {
      datasetId,
      status: dataset.status,
      error: dataset.error,
      clippedCount: dataset.clippedCount
    })
  }
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** The service's progress as the contract's event: the last chunk split per electrode and decimated. */
function progressEvent(progress: SamplingProgress, datasets: DatasetsRepository): SamplingProgressEvent {
  const chunk = progress.lastChunk
  const base = {
    datasetId: progress.datasetId,
    chunksDone: progress.chunksDone,
    chunksTotal: progress.chunksTotal,
    etaSeconds: progress.etaSeconds
  }
  if (!chunk) return { ...base, lastChunk: null }
  const settings = datasets.get(progress.datasetId)!.settings
  return {
    ...base,
    lastChunk: decimateChunk(
      chunk,
      settings.electrodeRangesVolts.length,
      settings.sampleRateHz,
      settings.chunkSamples,
      MAX_LIVE_PLOT_POINTS
    )
  }
}

/**
 * One chunk as plot traces: every `stride`-th sample (stride the smallest that keeps at most
 * `maxPoints` points), times in seconds from the session's start. Plain decimation is enough for
 * a live look at sines far slower than the DAC rate.
 */
export function decimateChunk(
  chunk: { chunkIndex: number; inputsVolts: Float32Array; outputsNanoamps: Float32Array },
  electrodes: number,
  sampleRateHz: number,
  chunkSamples: number,
  maxPoints: number
): NonNullable<SamplingProgressEvent['lastChunk']> {
  const samples = chunk.outputsNanoamps.length
  const stride = Math.max(1, Math.ceil(samples / maxPoints))
  const timesSeconds: number[] = []
  const inputsVolts: number[][] = Array.from({ length: electrodes }, () => [])
  const outputsNanoamps: number[] = []
  const firstSample = chunk.chunkIndex * chunkSamples
  for (let n = 0; n < samples; n += stride) {
    timesSeconds.push((firstSample + n) / sampleRateHz)
    for (let e = 0; e < electrodes; e++) inputsVolts[e]!.push(chunk.inputsVolts[n * electrodes + e]!)
    outputsNanoamps.push(chunk.outputsNanoamps[n]!)
  }
  return { chunkIndex: chunk.chunkIndex, timesSeconds, inputsVolts, outputsNanoamps }
}
