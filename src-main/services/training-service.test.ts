import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_GA_CONFIG, type TrainingFinishedEvent, type TrainingProgressEvent } from '../../src-preload/contract'
import { servicesOnTempFolder } from './test-support'
import type { TrainerHandle } from './training-service'

const xor = { ...DEFAULT_GA_CONFIG, modelId: 'demo' }
let cleanup: (() => Promise<void>) | null = null
afterEach(async () => {
  await cleanup?.()
  cleanup = null
})

function finished(services: Awaited<ReturnType<typeof servicesOnTempFolder>>['services']): Promise<TrainingFinishedEvent> {
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
      expect(stored?.metrics.at(-1)?.generation).toBe(event.metrics.generation)
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
    expect(run.metrics.map((m) => m.generation)).toEqual(progress.map((p) => p.metrics.generation))
    expect(run.bestCorrelation).toBe(progress.at(-1)!.metrics.bestSoFarCorrelation)
    expect(run.targets).toEqual([0, 1, 1, 0])
    expect(run.controlElectrodes).toEqual([0, 3, 4, 5, 6])
    expect(run.bestControlVoltages).toHaveLength(5)
    expect(run.bestOutputsNanoamps).toHaveLength(4)
    expect(services.runs.getCheckpoint(runId)?.generation).toBe(run.generations)
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
        if (event.metrics.generation === 3) {
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
    expect(() => services.training.start({ ...xor, dataElectrodes: [1, 7] })).toThrow(/dataElectrodes: electrode 7 does not exist/)
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
      const { runId } = services.training.start({ ...xor, generations: 4, stopThreshold: 1.5, seed: 8, ...(sim ? { simulation: sim } : {}) })
      await done
      return services.runs.getRun(runId)!
    }
    const noisyA = await runOnce(simulation)
    const noisyB = await runOnce(simulation)
    const clean = await runOnce()
    expect(noisyA.config.simulation).toEqual(simulation)
    expect(clean.config.simulation).toBeUndefined()
    expect(noisyB.metrics).toEqual(noisyA.metrics)
    expect(noisyB.bestOutputsNanoamps).toEqual(noisyA.bestOutputsNanoamps)
    expect(clean.bestOutputsNanoamps).not.toEqual(noisyA.bestOutputsNanoamps)
    for (const value of noisyA.bestOutputsNanoamps!) expect(Math.abs(value)).toBeLessThanOrEqual(60)
  })
})
