import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_GA_CONFIG,
  DEFAULT_CAPACITY_CONFIG,
  DEFAULT_GD_CONFIG,
  type GaTrainingConfig,
  type GenerationMetrics,
  type TrainingFinishedEvent,
  type TrainingProgressEvent
} from '../../src-shared/ipc'
import { servicesOnTempFolder } from './test-support'
import type { TrainerHandle } from './training-service'

const xor = { ...DEFAULT_GA_CONFIG, modelId: 'demo' }
const ring = {
  ...DEFAULT_GD_CONFIG,
  modelId: 'demo',
  ring: { ...DEFAULT_GD_CONFIG.ring, sampleCount: 300 },
  epochs: 6,
  batchSize: 64
}

function gaMetrics(event: TrainingProgressEvent): GenerationMetrics {
  if (event.algorithm !== 'ga') throw new Error(`expected a GA progress event, got ${event.algorithm}`)
  return event.metrics
}
let cleanup: (() => Promise<void>) | null = null
afterEach(async () => {
  await cleanup?.()
  cleanup = null
})

function finished(
  services: Awaited<ReturnType<typeof servicesOnTempFolder>>['services']
): Promise<TrainingFinishedEvent> {
  return new Promise((resolve) => services.training.once('finished', resolve))
}

describe('TrainingService', () => {
  it('runs a GA to completion, persisting every generation before announcing it', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const { services } = env
    const progress: TrainingProgressEvent[] = []
    services.training.on('progress', (event) => {
      // Persistence comes first: the generation is already in the database when the UI hears of it.
      const stored = services.runs.getRun(event.runId)
      expect(stored?.metrics.at(-1)?.generation).toBe(gaMetrics(event).generation)
      progress.push(event)
    })
    const done = finished(services)
    const { runId } = services.training.start({ ...xor, seed: 3 })
    expect(services.training.activeRunId()).toBe(runId)
    const end = await done

    expect(end).toEqual({ runId, status: 'completed', error: null })
    const run = services.runs.getRun(runId)!
    expect(run.status).toBe('completed')
    expect(run.seed).toBe(3)
    expect(run.generations).toBe(progress.length)
    expect(run.metrics.map((m) => m.generation)).toEqual(progress.map((p) => gaMetrics(p).generation))
    expect(run.bestCorrelation).toBe(gaMetrics(progress.at(-1)!).bestSoFarCorrelation)
    expect(run.targets).toEqual([0, 1, 1, 0])
    expect(run.controlElectrodes).toEqual([0, 3, 4, 5, 6])
    expect(run.bestControlVoltages).toHaveLength(5)
    expect(run.bestOutputsNanoamps).toHaveLength(4)
    expect(services.runs.getCheckpoint(runId)?.step).toBe(run.generations)
    expect(services.training.activeRunId()).toBeNull()
  })

  it('stops a run on request with status stopped', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const { services } = env
    const done = finished(services)
    const { runId } = services.training.start({ ...xor, generations: 5000, stopThreshold: 1.5, seed: 1 })
    await new Promise<void>((resolve) => {
      services.training.on('progress', (event) => {
        if (gaMetrics(event).generation === 3) {
          expect(services.training.stop(runId)).toEqual({ runId, stopping: true })
          resolve()
        }
      })
    })
    expect((await done).status).toBe('stopped')
    const run = services.runs.getRun(runId)!
    expect(run.status).toBe('stopped')
    expect(run.generations).toBeGreaterThanOrEqual(3)
    expect(run.generations).toBeLessThan(5000)
  })

  it('refuses a second run while one is in progress, and bad electrodes before storing anything', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const { services } = env
    expect(() => services.training.start({ ...xor, dataElectrodes: [1, 7] })).toThrow(
      /dataElectrodes: electrode 7 does not exist/
    )
    expect(() => services.training.start({ ...xor, modelId: 'nope' })).toThrow(/modelId: no model "nope"/)
    expect(services.runs.listRuns()).toHaveLength(0)
    const done = finished(services)
    const { runId } = services.training.start({ ...xor, generations: 5000, stopThreshold: 1.5 })
    expect(() => services.training.start(xor)).toThrow(`run ${runId} is still in progress`)
    services.training.stop(runId)
    await done
  })

  it('marks a run interrupted when its worker thread crashes', async () => {
    class CrashingTrainer extends EventEmitter {
      postMessage(): void {
        setTimeout(() => this.emit('error', new Error('out of memory')), 10)
      }
      async terminate(): Promise<number> {
        return 1
      }
    }
    const env = await servicesOnTempFolder(() => new CrashingTrainer() as unknown as TrainerHandle)
    cleanup = env.cleanup
    const { services } = env
    const done = finished(services)
    const { runId } = services.training.start(xor)
    expect(await done).toEqual({ runId, status: 'interrupted', error: 'the trainer crashed: out of memory' })
    expect(services.runs.getRun(runId)?.status).toBe('interrupted')
  })

  it('marks a run failed when the trainer reports an error', async () => {
    class FailingTrainer extends EventEmitter {
      postMessage(): void {
        setTimeout(() => this.emit('message', { seq: 1, type: 'error', message: 'surrogate produced NaN' }), 10)
      }
      async terminate(): Promise<number> {
        return 0
      }
    }
    const env = await servicesOnTempFolder(() => new FailingTrainer() as unknown as TrainerHandle)
    cleanup = env.cleanup
    const { services } = env
    const done = finished(services)
    const { runId } = services.training.start(xor)
    expect((await done).status).toBe('failed')
    expect(services.runs.getRun(runId)?.error).toBe('surrogate produced NaN')
  })

  it('records simulation options with the run, and a noisy run repeats exactly with its seed', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const { services } = env
    const simulation = { noiseStdNanoamps: 3, amplification: 20, clippingValueNanoamps: [-60, 60] as [number, number] }
    const runOnce = async (sim?: typeof simulation) => {
      const done = finished(services)
      const { runId } = services.training.start({
        ...xor,
        generations: 4,
        stopThreshold: 1.5,
        seed: 8,
        ...(sim ? { simulation: sim } : {})
      })
      await done
      return services.runs.getRun(runId)!
    }
    const noisyA = await runOnce(simulation)
    const noisyB = await runOnce(simulation)
    const clean = await runOnce()
    expect((noisyA.config as GaTrainingConfig).simulation).toEqual(simulation)
    expect((clean.config as GaTrainingConfig).simulation).toBeUndefined()
    expect(noisyB.metrics).toEqual(noisyA.metrics)
    expect(noisyB.bestOutputsNanoamps).toEqual(noisyA.bestOutputsNanoamps)
    expect(clean.bestOutputsNanoamps).not.toEqual(noisyA.bestOutputsNanoamps)
    for (const value of noisyA.bestOutputsNanoamps!) expect(Math.abs(value)).toBeLessThanOrEqual(60)
  })

  it('runs GD on the ring task: epochs persisted before announced, accuracy and outputs stored at the end', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const { services } = env
    const epochs: number[] = []
    services.training.on('progress', (event) => {
      if (event.algorithm !== 'gd') throw new Error('expected GD progress')
      expect(services.runs.getRun(event.runId)?.epochs.at(-1)?.epoch).toBe(event.epoch.epoch)
      expect(event.totalEpochs).toBe(30)
      epochs.push(event.epoch.epoch)
    })
    const done = finished(services)
    const { runId } = services.training.start({ ...ring, epochs: 30, seed: 5 })
    expect((await done).status).toBe('completed')
    const run = services.runs.getRun(runId)!
    expect(run.algorithm).toBe('gd')
    expect(epochs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    expect(run.generations).toBe(30)
    expect(run.epochs.map((e) => e.epoch)).toEqual(epochs)
    expect(run.epochs.every((e) => Number.isFinite(e.trainLoss) && Number.isFinite(e.validationLoss))).toBe(true)
    expect(run.metrics).toEqual([])
    // 300 points split 0.7 / 0.15 / 0.15: the stored outputs are the 45 test points'.
    expect(run.bestOutputsNanoamps).toHaveLength(45)
    expect(run.targets).toHaveLength(45)
    expect(run.bestControlVoltages).toHaveLength(5)
    // Trained for real: the rings separate (fisher loss on the demo surrogate: ~90 % and more).
    expect(run.accuracy!.trainPercent).toBeGreaterThanOrEqual(80)
    expect(run.accuracy!.testPercent).toBeGreaterThanOrEqual(75)
    expect(run.accuracy!.validationPercent).toBeLessThanOrEqual(100)
    expect(run.resumable).toBe(false)
    expect(() => services.training.resume(runId)).toThrow(
      /is 'completed': only a stopped or interrupted run can be resumed/
    )
  })

  it.each([
    [
      'GA with output noise',
      { ...xor, generations: 8, stopThreshold: 1.5, seed: 4, simulation: { noiseStdNanoamps: 2 } }
    ],
    ['GD', { ...ring, seed: 9 }]
  ] as const)(
    '%s: stop after N steps, then resume, equals the uninterrupted run value for value',
    async (_name, config) => {
      const env = await servicesOnTempFolder()
      cleanup = env.cleanup
      const { services } = env
      let done = finished(services)
      const whole = services.training.start(config).runId
      await done
      done = finished(services)
      const split = services.training.start(config, { stopAfter: 3 }).runId
      expect((await done).status).toBe('stopped')
      const stopped = services.runs.getRun(split)!
      expect(stopped.generations).toBe(3)
      expect(stopped.resumable).toBe(true)
      done = finished(services)
      expect(services.training.resume(split)).toEqual({ runId: split })
      expect((await done).status).toBe('completed')
      const [a, b] = [services.runs.getRun(whole)!, services.runs.getRun(split)!]
      expect(b.generations).toBe(a.generations)
      expect(b.metrics).toEqual(a.metrics)
      expect(b.epochs).toEqual(a.epochs)
      expect(b.bestControlVoltages).toEqual(a.bestControlVoltages)
      expect(b.bestOutputsNanoamps).toEqual(a.bestOutputsNanoamps)
      expect(b.accuracy).toEqual(a.accuracy)
    }
  )

  it('pauses between steps and continues on request', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const { services } = env
    const pausedEvents: boolean[] = []
    services.training.on('paused', (event) => pausedEvents.push(event.paused))
    const done = finished(services)
    let lastProgress = 0
    const progressWhilePaused: number[] = []
    let pausedSeen = false
    services.training.on('progress', (event) => {
      lastProgress = gaMetrics(event).generation
      if (pausedSeen) progressWhilePaused.push(lastProgress)
    })
    const { runId } = services.training.start({ ...xor, generations: 6, stopThreshold: 1.5, seed: 2 })
    await new Promise<void>((resolve) => {
      const onProgress = (event: TrainingProgressEvent): void => {
        if (gaMetrics(event).generation !== 2) return
        services.training.off('progress', onProgress)
        services.training.setPaused(runId, true)
        resolve()
      }
      services.training.on('progress', onProgress)
    })
    await new Promise<void>((resolve) => services.training.once('paused', () => resolve()))
    pausedSeen = true
    expect(services.training.activeRun()).toEqual({ runId, paused: true })
    // The generation under way when the pause arrived came before the confirmation: what is
    // stored and shown at "paused" is where the run holds.
    const generationsWhenPaused = services.runs.getRun(runId)!.generations
    expect(generationsWhenPaused).toBe(lastProgress)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(progressWhilePaused).toEqual([])
    expect(services.runs.getRun(runId)!.generations).toBe(generationsWhenPaused)
    pausedSeen = false
    expect(services.training.setPaused(runId, false)).toEqual({ runId, paused: false })
    expect((await done).status).toBe('completed')
    expect(services.runs.getRun(runId)!.generations).toBe(6)
    expect(pausedEvents).toEqual([true, false])
    expect(() => services.training.setPaused(runId, true)).toThrow(/run \d+ is not in progress/)
  })

  it('confirms a pause only after the step under way: a capacity labeling waits on its worker threads mid-step', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const { services } = env
    const seen: number[] = []
    let pausedSeen = false
    const whilePaused: number[] = []
    services.training.on('progress', (event) => {
      if (event.algorithm !== 'capacity') throw new Error('expected capacity progress')
      seen.push(event.sweepDone)
      if (pausedSeen) whilePaused.push(event.sweepDone)
    })
    const done = finished(services)
    const { runId } = services.training.start(
      { ...DEFAULT_CAPACITY_CONFIG, modelId: 'demo', fromN: 4, toN: 4, attempts: 1, generations: 40, seed: 2 },
      { workers: 2 }
    )
    // Asked while labeling 2 is being searched (the trainer is awaiting its pool, so the request
    // gets in mid-step): the confirmation must follow labeling 2's progress, not precede it.
    await new Promise<void>((resolve) => {
      const onProgress = (): void => {
        services.training.off('progress', onProgress)
        services.training.setPaused(runId, true)
        resolve()
      }
      services.training.on('progress', onProgress)
    })
    await new Promise<void>((resolve) => services.training.once('paused', () => resolve()))
    pausedSeen = true
    const storedWhenPaused = services.runs.getRun(runId)!.generations
    expect(storedWhenPaused).toBe(seen.at(-1))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(whilePaused).toEqual([])
    services.training.stop(runId)
    expect((await done).status).toBe('stopped')
    expect(services.runs.getRun(runId)!.generations).toBe(storedWhenPaused)
  })

  it('runs a capacity sweep as a run: a labeling per step, the result per N stored as it goes', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const { services } = env
    const seen: number[] = []
    services.training.on('progress', (event) => {
      if (event.algorithm !== 'capacity') throw new Error('expected capacity progress')
      expect(services.runs.getRun(event.runId)?.generations).toBe(event.sweepDone)
      expect(event.sweepTotal).toBe(14)
      seen.push(event.sweepDone)
    })
    const done = finished(services)
    const { runId } = services.training.start({
      ...DEFAULT_CAPACITY_CONFIG,
      modelId: 'demo',
      fromN: 4,
      toN: 4,
      attempts: 1,
      generations: 3,
      seed: 2
    })
    expect((await done).status).toBe('completed')
    expect(seen).toEqual(Array.from({ length: 14 }, (_, i) => i + 1))
    const run = services.runs.getRun(runId)!
    expect(run.algorithm).toBe('capacity')
    expect(run.capacity).toHaveLength(1)
    expect(run.capacity![0]).toMatchObject({ n: 4, labelings: 14, evaluated: 14 })
    expect(run.capacity![0]!.capacity).toBe(run.capacity![0]!.found / 14)
  })

  it('refuses a GD batch size the loss cannot work with before storing anything', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const { services } = env
    // 300 points x 0.7 = 210 training points: batches of 209 leave a last batch of 1.
    expect(() => services.training.start({ ...ring, batchSize: 209, loss: 'corrsig' })).toThrow(
      /batchSize: loss corrsig needs at least 2 points in every batch; .* last batch has 1/
    )
    expect(services.runs.listRuns()).toHaveLength(0)
  })

  it('honours a pause sent right after the start, before the first step', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const { services } = env
    const steps: number[] = []
    services.training.on('progress', (event) => steps.push(gaMetrics(event).generation))
    const { runId } = services.training.start({ ...xor, generations: 5, stopThreshold: 1.5, seed: 1 })
    services.training.setPaused(runId, true)
    await new Promise<void>((resolve) => services.training.once('paused', () => resolve()))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(steps).toEqual([])
    const done = finished(services)
    services.training.setPaused(runId, false)
    expect((await done).status).toBe('completed')
    expect(steps).toEqual([1, 2, 3, 4, 5])
  })
})
