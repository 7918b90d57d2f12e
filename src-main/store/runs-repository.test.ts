import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from './database'
import type { GenerationMetrics } from '../../src-shared/domain'
import { INTERRUPTED_RUN_ERROR, RunsRepository } from './runs-repository'
import { makeTempFolder, recordEpoch, recordGeneration, sampleRun, type TempFolder } from './test-fixtures'

type GenerationRecord = GenerationMetrics & { bestGenome: number[] }

function generation(index: number, overrides: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    generation: index,
    bestFitness: 0.1 * (index + 1),
    bestCorrelation: 0.2 * (index + 1),
    bestSoFarFitness: 0.1 * (index + 1),
    bestSoFarCorrelation: 0.2 * (index + 1),
    bestGenome: [0.1, -0.3, 0.5, 0.2, -0.1],
    ...overrides
  }
}

function count(db: Database, sql: string, ...params: unknown[]): number {
  return db
    .prepare(sql)
    .pluck()
    .get(...params) as number
}

describe('RunsRepository on one connection', () => {
  let db: Database
  let runs: RunsRepository
  const now = new Date('2025-03-01T12:00:00.000Z')

  beforeEach(async () => {
    db = await openDatabase(':memory:')
    runs = new RunsRepository(db, { now: () => now })
  })
  afterEach(() => db.close())

  it('round-trips createRun, recordGeneration, finishRun, getRun and listRuns', () => {
    const runId = runs.createRun(sampleRun())
    expect(runId).toBe(1)
    expect(runs.getRun(runId)).toMatchObject({
      status: 'running',
      generations: 0,
      endedAt: null,
      bestFitness: null,
      bestControlVoltages: null,
      bestOutputsNanoamps: null,
      metrics: []
    })

    recordGeneration(
      runs,
      runId,
      generation(0),
      { fitness: 0.1, correlation: 0.2, controlVoltages: [0.1, -0.3, 0.5, 0.2, -0.1], outputsNanoamps: [1, 2, 3, 4] },
      { generation: 0, rngState: [1, 2, 3, 4] }
    )
    // A generation that did not improve on the best leaves the run's best alone.
    recordGeneration(runs, runId, generation(1, { bestFitness: 0.05, bestSoFarFitness: 0.1 }), null, {
      generation: 1,
      rngState: [5, 6, 7, 8]
    })
    recordGeneration(
      runs,
      runId,
      generation(2),
      { fitness: 0.3, correlation: 0.6, controlVoltages: [0.4, 0.3, -0.2, 0.1, 0], outputsNanoamps: [-1, 5, 6, -2] },
      { generation: 2, rngState: [9, 10, 11, 12] }
    )
    runs.finishRun(runId, 'completed', null, new Date('2025-03-01T10:05:00.000Z'))

    const detail = runs.getRun(runId)
    expect(detail).toEqual({
      id: runId,
      algorithm: 'ga',
      task: 'xor',
      modelId: 'demo-surrogate',
      status: 'completed',
      seed: 1234,
      startedAt: '2025-03-01T10:00:00.000Z',
      endedAt: '2025-03-01T10:05:00.000Z',
      steps: 3,
      stepName: 'generation',
      stepUnit: 'generations',
      generations: 3,
      bestFitness: 0.3,
      bestCorrelation: 0.6,
      accuracyPercent: null,
      computeBackend: 'cpu',
      appVersion: '0.0.0-test',
      name: null,
      starred: false,
      tags: [],
      notes: '',
      notesUpdatedAt: null,
      config: { ...sampleRun().config, seed: 1234 },
      error: null,
      bestControlVoltages: [0.4, 0.3, -0.2, 0.1, 0],
      controlElectrodes: [0, 3, 4, 5, 6],
      bestOutputsNanoamps: [-1, 5, 6, -2],
      targets: [0, 1, 1, 0],
      recordedSteps: [0, 1, 2].map((index) => {
        const {
          bestGenome: _bestGenome,
          generation: step,
          ...values
        } = generation(index, index === 1 ? { bestFitness: 0.05, bestSoFarFitness: 0.1 } : {})
        return { step, values }
      }),
      metrics: [0, 1, 2].map((index) => {
        const { bestGenome: _bestGenome, ...metrics } = generation(
          index,
          index === 1 ? { bestFitness: 0.05, bestSoFarFitness: 0.1 } : {}
        )
        return metrics
      }),
      epochs: [],
      accuracy: null,
      capacity: null,
      surrogate: null,
      resumable: false,
      device: null,
      validations: []
    })
    expect(runs.getCheckpoint(runId)).toEqual({ step: 2, state: { generation: 2, rngState: [9, 10, 11, 12] } })

    const [summary] = runs.listRuns()
    const {
      config: _c,
      error: _e,
      bestControlVoltages: _v,
      controlElectrodes: _ce,
      bestOutputsNanoamps: _o,
      targets: _t,
      recordedSteps: _rs,
      metrics: _m,
      epochs: _ep,
      accuracy: _a,
      capacity: _cap,
      surrogate: _s,
      resumable: _r,
      device: _d,
      validations: _va,
      ...expectedSummary
    } = detail!
    expect(summary).toEqual(expectedSummary)
  })

  it('returns metrics ordered by generation whatever the insertion order', () => {
    const runId = runs.createRun(sampleRun())
    for (const index of [2, 0, 1]) recordGeneration(runs, runId, generation(index), null, { index })
    expect(runs.getRun(runId)?.metrics.map((metric) => metric.generation)).toEqual([0, 1, 2])
  })

  it('lists runs newest first', () => {
    const older = runs.createRun(sampleRun({ startedAt: new Date('2025-01-01T00:00:00.000Z') }))
    const newest = runs.createRun(sampleRun({ startedAt: new Date('2025-06-01T00:00:00.000Z') }))
    const middle = runs.createRun(sampleRun({ startedAt: new Date('2025-03-01T00:00:00.000Z') }))
    expect(runs.listRuns().map((run) => run.id)).toEqual([newest, middle, older])
  })

  it('stores the seed actually used in the config and defaults startedAt to the clock', () => {
    const runId = runs.createRun(sampleRun({ seed: 99, startedAt: undefined }))
    const run = runs.getRun(runId)
    expect(run?.config.seed).toBe(99)
    expect(run?.startedAt).toBe(now.toISOString())
  })

  it('refuses a seed that contradicts the config', () => {
    const base = sampleRun()
    expect(() => runs.createRun({ ...base, seed: 1, config: { ...base.config, seed: 2 } })).toThrow(
      /seed 1 differs from the config's seed 2/
    )
  })

  it('reads a flat-output NaN correlation back as NaN', () => {
    const runId = runs.createRun(sampleRun())
    recordGeneration(runs, runId, generation(0, { bestCorrelation: Number.NaN }), null, {})
    expect(runs.getRun(runId)?.metrics[0].bestCorrelation).toBeNaN()
  })

  it('returns null for an unknown run and for a run without a checkpoint', () => {
    expect(runs.getRun(42)).toBeNull()
    expect(runs.getCheckpoint(42)).toBeNull()
    expect(runs.getCheckpoint(runs.createRun(sampleRun()))).toBeNull()
  })

  it('keeps only the latest checkpoint of a run', () => {
    const runId = runs.createRun(sampleRun())
    recordGeneration(runs, runId, generation(0), null, { step: 0 })
    recordGeneration(runs, runId, generation(1), null, { step: 1 })
    expect(count(db, 'SELECT count(*) FROM run_checkpoints WHERE run_id = ?', runId)).toBe(1)
    expect(runs.getCheckpoint(runId)).toEqual({ step: 1, state: { step: 1 } })
  })

  describe('recordGeneration is atomic', () => {
    it('writes nothing when the checkpoint cannot be serialised', () => {
      const runId = runs.createRun(sampleRun())
      recordGeneration(
        runs,
        runId,
        generation(0),
        { fitness: 0.1, correlation: 0.2, controlVoltages: [1], outputsNanoamps: [2] },
        { ok: 0 }
      )

      expect(() =>
        recordGeneration(
          runs,
          runId,
          generation(1),
          { fitness: 0.9, correlation: 0.9, controlVoltages: [9], outputsNanoamps: [9] },
          { rngState: 10n }
        )
      ).toThrow(/checkpoint of run 1 generation 1 cannot be stored: .*BigInt/)

      expect(count(db, 'SELECT count(*) FROM run_steps WHERE run_id = ?', runId)).toBe(1)
      const run = runs.getRun(runId)
      expect(run?.generations).toBe(1)
      expect(run?.bestFitness).toBe(0.1)
      expect(run?.bestControlVoltages).toEqual([1])
      expect(runs.getCheckpoint(runId)).toEqual({ step: 0, state: { ok: 0 } })
    })

    it('writes nothing when the database rejects the checkpoint row', () => {
      const runId = runs.createRun(sampleRun())
      // Stands in for a disk error on the last write of the transaction.
      db.exec(`CREATE TRIGGER fail_checkpoint BEFORE INSERT ON run_checkpoints
               BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END`)
      expect(() =>
        recordGeneration(
          runs,
          runId,
          generation(0),
          { fitness: 0.9, correlation: 0.9, controlVoltages: [9], outputsNanoamps: [9] },
          { fine: true }
        )
      ).toThrow('simulated write failure')
      expect(count(db, 'SELECT count(*) FROM run_steps')).toBe(0)
      expect(runs.getRun(runId)).toMatchObject({ generations: 0, bestFitness: null, bestControlVoltages: null })
      expect(runs.getCheckpoint(runId)).toBeNull()
    })

    it('refuses undefined as a checkpoint', () => {
      const runId = runs.createRun(sampleRun())
      expect(() => recordGeneration(runs, runId, generation(0), null, undefined)).toThrow(/undefined has no JSON form/)
      expect(count(db, 'SELECT count(*) FROM run_steps')).toBe(0)
    })
  })

  it('reads validations stored before they had a kind as GA ones, and appends new ones of every kind after them', () => {
    const runId = runs.createRun(sampleRun())
    // What DNPU Lab wrote when only GA runs could be validated: no `kind`.
    const stored = {
      measurementId: 3,
      measuredAt: '2025-02-01T10:00:00.000Z',
      outputsNanoamps: [1, 20, 21, 2],
      correlation: 0.98,
      fitness: 0.9,
      trainedOutputsNanoamps: [0, 19, 22, 1]
    }
    db.prepare('UPDATE runs SET validations_json = ? WHERE id = ?').run(JSON.stringify([stored]), runId)
    expect(runs.getRun(runId)!.validations).toEqual([{ kind: 'ga', ...stored }])

    const capacity = {
      kind: 'capacity' as const,
      measuredAt: '2025-03-01T12:00:00.000Z',
      perN: [
        {
          n: 4,
          evaluated: 14,
          foundOnSurrogate: 14,
          confirmedOnDevice: 13,
          capacityOnSurrogate: 1,
          capacityMeasured: 13 / 14,
          notConfirmed: [[0, 1, 1, 0]],
          measurementId: 4
        }
      ]
    }
    runs.addValidation(runId, capacity)
    expect(runs.getRun(runId)!.validations).toEqual([{ kind: 'ga', ...stored }, capacity])
  })

  it('refuses a duplicate generation without touching the stored one', () => {
    const runId = runs.createRun(sampleRun())
    recordGeneration(runs, runId, generation(0), null, { first: true })
    expect(() => recordGeneration(runs, runId, generation(0, { bestFitness: 5 }), null, { first: false })).toThrow(
      'generation 0 of run 1 is already recorded'
    )
    expect(runs.getRun(runId)?.metrics[0].bestFitness).toBeCloseTo(0.1)
    expect(runs.getCheckpoint(runId)?.state).toEqual({ first: true })
  })

  it('refuses a generation number that is not a non-negative integer', () => {
    const runId = runs.createRun(sampleRun())
    expect(() => recordGeneration(runs, runId, generation(1.5), null, {})).toThrow(/non-negative integer, got 1.5/)
    expect(() => recordGeneration(runs, runId, generation(-1), null, {})).toThrow(/non-negative integer, got -1/)
  })

  it('refuses to record a generation for a finished or unknown run', () => {
    const runId = runs.createRun(sampleRun())
    runs.finishRun(runId, 'stopped')
    expect(() => recordGeneration(runs, runId, generation(0), null, {})).toThrow(
      "cannot record a generation for run 1: it is 'stopped', not 'running'"
    )
    expect(() => recordGeneration(runs, 77, generation(0), null, {})).toThrow('run 77: there is no such run')
    expect(count(db, 'SELECT count(*) FROM run_steps')).toBe(0)
  })

  it('finishing a run that is not running throws and changes nothing', () => {
    const runId = runs.createRun(sampleRun())
    runs.finishRun(runId, 'failed', 'the surrogate returned NaN', new Date('2025-03-01T10:01:00.000Z'))
    expect(() => runs.finishRun(runId, 'completed')).toThrow(
      "cannot finish as 'completed' run 1: it is 'failed', not 'running'"
    )
    expect(runs.getRun(runId)).toMatchObject({
      status: 'failed',
      error: 'the surrogate returned NaN',
      endedAt: '2025-03-01T10:01:00.000Z'
    })
    expect(() => runs.finishRun(404, 'stopped')).toThrow('run 404: there is no such run')
  })
})

describe('crash recovery across connections', () => {
  let temp: TempFolder
  beforeEach(() => {
    temp = makeTempFolder()
  })
  afterEach(() => temp.remove())

  it('marks runs left running as interrupted and leaves finished runs alone', async () => {
    const filePath = temp.file('dnpu-lab.db')
    const first = await openDatabase(filePath)
    const before = new RunsRepository(first)
    const completed = before.createRun(sampleRun())
    recordGeneration(before, completed, generation(0), null, { c: 0 })
    before.finishRun(completed, 'completed', null, new Date('2025-03-01T10:02:00.000Z'))
    const leftRunning = before.createRun(sampleRun())
    recordGeneration(before, leftRunning, generation(0), null, { resumeFrom: 0 })
    const alsoLeftRunning = before.createRun(sampleRun())
    // No finishRun: the app "crashed". Closing without finishing is what a dead process leaves.
    first.close()

    const restartedAt = new Date('2025-03-02T08:00:00.000Z')
    const second = await openDatabase(filePath)
    const after = new RunsRepository(second, { now: () => restartedAt })
    expect(after.markRunningAsInterrupted()).toEqual([leftRunning, alsoLeftRunning])

    for (const runId of [leftRunning, alsoLeftRunning]) {
      expect(after.getRun(runId)).toMatchObject({
        status: 'interrupted',
        endedAt: restartedAt.toISOString(),
        error: INTERRUPTED_RUN_ERROR
      })
    }
    // The checkpoint survives, so the run can be resumed.
    expect(after.getCheckpoint(leftRunning)).toEqual({ step: 0, state: { resumeFrom: 0 } })
    expect(after.getRun(completed)).toMatchObject({
      status: 'completed',
      endedAt: '2025-03-01T10:02:00.000Z',
      error: null,
      generations: 1
    })
    // Nothing left to recover on a second start.
    expect(after.markRunningAsInterrupted()).toEqual([])
    second.close()
  })

  it('leaves a run alone while the process that drives it is alive (app, serve and CLI share one file)', async () => {
    const filePath = temp.file('dnpu-lab.db')
    const db = await openDatabase(filePath)
    const repository = new RunsRepository(db)
    const otherProcessPid = process.pid + 1
    const liveElsewhere = repository.createRun({ ...sampleRun(), ownerPid: otherProcessPid })
    const deadElsewhere = repository.createRun({ ...sampleRun(), ownerPid: otherProcessPid + 1 })
    const alive = (pid: number): boolean => pid === otherProcessPid
    expect(repository.markRunningAsInterrupted(alive)).toEqual([deadElsewhere])
    expect(repository.getRun(liveElsewhere)?.status).toBe('running')
    expect(repository.getRun(deadElsewhere)?.status).toBe('interrupted')
    // A run recorded under this process's own pid cannot be live at start-up: the pid was reused.
    const ownStale = repository.createRun(sampleRun())
    expect(repository.markRunningAsInterrupted(() => true)).toEqual([ownStale])
    db.close()
  })
})

describe('RunsRepository: GD epochs, capacity steps and reopening', () => {
  it('records epochs with their checkpoint atomically, the outcome at the end, and reopens only stopped runs', async () => {
    const runs = new RunsRepository(await openDatabase(':memory:'))
    const runId = runs.createRun({ ...sampleRun(), algorithm: 'gd', targets: [] })
    recordEpoch(
      runs,
      runId,
      { epoch: 1, trainLoss: 2.5, validationLoss: 2.0 },
      { validationLoss: 2.0, controlVoltages: [0.1, 0.2] },
      { epochsRun: 1 }
    )
    recordEpoch(runs, runId, { epoch: 2, trainLoss: 1.5, validationLoss: null }, null, { epochsRun: 2 })
    expect(() => recordEpoch(runs, runId, { epoch: 2, trainLoss: 1, validationLoss: 1 }, null, {})).toThrow(
      /epoch 2 of run \d+ is already recorded/
    )
    // The failed write took nothing with it: still epoch 2's checkpoint.
    expect(runs.getCheckpoint(runId)).toEqual({ step: 2, state: { epochsRun: 2 } })
    expect(() => runs.reopenRun(runId)).toThrow(/is 'running': only a stopped or interrupted run can be resumed/)
    runs.finishRun(runId, 'stopped')
    expect(runs.getRun(runId)).toMatchObject({
      generations: 2,
      bestControlVoltages: [0.1, 0.2],
      resumable: true,
      epochs: [
        { epoch: 1, trainLoss: 2.5, validationLoss: 2.0 },
        { epoch: 2, trainLoss: 1.5, validationLoss: null }
      ]
    })
    runs.reopenRun(runId)
    expect(runs.getRun(runId)).toMatchObject({ status: 'running', endedAt: null, error: null, resumable: false })
    const outcome = {
      controlVoltages: [0.3, 0.4],
      outputsNanoamps: [1, 2, 3],
      targets: [0, 1, 1],
      accuracy: { trainPercent: 90, validationPercent: 80, testPercent: null }
    }
    runs.recordResult(runId, {
      bestControlVoltages: outcome.controlVoltages,
      bestOutputsNanoamps: outcome.outputsNanoamps,
      targets: outcome.targets,
      accuracy: outcome.accuracy
    })
    runs.finishRun(runId, 'completed')
    expect(runs.getRun(runId)).toMatchObject({
      bestControlVoltages: [0.3, 0.4],
      bestOutputsNanoamps: [1, 2, 3],
      targets: [0, 1, 1],
      accuracy: outcome.accuracy,
      resumable: false
    })
    // The run list's headline accuracy: test, else validation (here), else training.
    expect(runs.listRuns().find((run) => run.id === runId)?.accuracyPercent).toBe(80)
    expect(() => runs.reopenRun(runId)).toThrow(/is 'completed'/)
    expect(() => runs.reopenRun(999)).toThrow(/run 999: there is no such run/)
  })

  it('refuses to reopen a stopped run without a checkpoint, and records capacity steps', async () => {
    const runs = new RunsRepository(await openDatabase(':memory:'))
    const empty = runs.createRun(sampleRun())
    runs.finishRun(empty, 'stopped')
    expect(() => runs.reopenRun(empty)).toThrow(/has no checkpoint to resume from/)
    const sweep = runs.createRun({ ...sampleRun(), algorithm: 'capacity', targets: [] })
    const capacity = [{ n: 4, labelings: 14, evaluated: 3, found: 2, capacity: 2 / 3 }]
    runs.recordStep(sweep, { step: 3, values: null, result: { capacity } }, { sweepDone: 3 })
    expect(runs.getRun(sweep)).toMatchObject({ algorithm: 'capacity', generations: 3, capacity })
    expect(runs.getCheckpoint(sweep)).toEqual({ step: 3, state: { sweepDone: 3 } })
  })
})
