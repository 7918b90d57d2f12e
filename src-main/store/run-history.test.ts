/** The run history in the store: search (every filter, sort, page), annotations and deletes. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_RUN_NOTES_CHARS, MAX_TAGS_PER_RUN, type RunQuery } from '../../src-shared/domain'
import { openDatabase, type Database } from './database'
import { MeasurementsRepository } from './measurements-repository'
import { searchSql } from './run-search'
import { RunsRepository } from './runs-repository'
import { recordGeneration, sampleRun } from './test-fixtures'

let db: Database
let runs: RunsRepository
const now = new Date('2025-03-02T09:30:00.000Z')

beforeEach(async () => {
  db = await openDatabase(':memory:')
  runs = new RunsRepository(db, { now: () => now })
})
afterEach(() => db.close())

function ids(query: RunQuery): number[] {
  return runs.findRuns(query).runs.map((run) => run.id)
}

/** Six ended runs, one a minute from 10:00, with results that sort differently from their age. */
function seedRuns(): number[] {
  const specs = [
    { algorithm: 'ga', task: 'xor', modelId: 'demo', fitness: 0.5, seconds: 30, status: 'completed' },
    { algorithm: 'ga', task: 'nand', modelId: 'demo', fitness: 0.9, seconds: 10, status: 'stopped' },
    { algorithm: 'gd', task: 'ring', modelId: 'lab', accuracy: 80, seconds: 100, status: 'completed' },
    { algorithm: 'gd', task: 'ring', modelId: 'lab', accuracy: 95, seconds: 5, status: 'failed' },
    { algorithm: 'capacity', task: 'vc', modelId: 'demo', seconds: 60, status: 'completed' },
    { algorithm: 'ga', task: 'xor', modelId: 'lab', fitness: 0.1, seconds: 20, status: 'interrupted' }
  ] as const
  return specs.map((spec, index) => {
    const startedAt = new Date(Date.parse('2025-03-01T10:00:00.000Z') + index * 60_000)
    const runId = runs.createRun(
      sampleRun({ algorithm: spec.algorithm, task: spec.task, modelId: spec.modelId, startedAt })
    )
    if ('fitness' in spec) runs.recordResult(runId, { bestFitness: spec.fitness, bestCorrelation: -spec.fitness })
    if ('accuracy' in spec)
      runs.recordResult(runId, { accuracy: { trainPercent: 50, validationPercent: null, testPercent: spec.accuracy } })
    runs.finishRun(runId, spec.status, null, new Date(startedAt.getTime() + spec.seconds * 1000))
    return runId
  })
}

describe('finding runs', () => {
  it('answers the newest page first with the total, and pages without overlap', () => {
    const all = seedRuns()
    expect(runs.findRuns({})).toMatchObject({ total: 6, limit: 50, offset: 0 })
    expect(ids({})).toEqual([...all].reverse())
    expect(ids({ limit: 2 })).toEqual([all[5], all[4]])
    expect(ids({ limit: 2, offset: 2 })).toEqual([all[3], all[2]])
    expect(runs.findRuns({ limit: 2, offset: 4 })).toMatchObject({ total: 6, runs: [{ id: all[1] }, { id: all[0] }] })
    expect(runs.findRuns({ offset: 10 })).toMatchObject({ total: 6, runs: [] })
    expect(runs.findRuns({ limit: 10_000 }).limit).toBe(500)
    expect(ids({ order: 'asc' })).toEqual(all)
  })

  it('filters by algorithm, task, model, status and start time', () => {
    const all = seedRuns()
    expect(ids({ filter: { algorithms: ['gd'] } })).toEqual([all[3], all[2]])
    expect(ids({ filter: { algorithms: ['ga', 'capacity'], tasks: ['xor'] } })).toEqual([all[5], all[0]])
    expect(ids({ filter: { modelIds: ['lab'] } })).toEqual([all[5], all[3], all[2]])
    expect(ids({ filter: { statuses: ['failed', 'stopped'] } })).toEqual([all[3], all[1]])
    expect(ids({ filter: { startedSince: '2025-03-01T10:02:00Z', startedUntil: '2025-03-01T10:04:00Z' } })).toEqual([
      all[3],
      all[2]
    ])
    // A time with a zone is compared in UTC: 11:03+01:00 is 10:03Z.
    expect(ids({ filter: { startedSince: '2025-03-01T11:03:00+01:00' } })).toEqual([all[5], all[4], all[3]])
    expect(ids({ filter: { startedUntil: '2025-03-01' } })).toEqual([])
    expect(() => runs.findRuns({ filter: { startedSince: 'yesterday' } })).toThrow(/startedSince: "yesterday"/)
    expect(runs.findRuns({ filter: { algorithms: ['gd'], statuses: ['completed'] } }).total).toBe(1)
  })

  it('filters by device profile, calibration id and calibration version', () => {
    // Raw rows: only the ids and version numbers matter here.
    db.exec(`INSERT INTO device_profiles (id, name, maker, model, serial, firmware, settings_json, created_at, updated_at)
             VALUES (1, 'bench', 'Lab', 'DNPU-8', '1', '1.0', '{}', '', '');
             INSERT INTO calibrations (id, profile_id, version, created_at, electrodes_json) VALUES (5, 1, 1, '', '[]');
             INSERT INTO calibrations (id, profile_id, version, created_at, electrodes_json) VALUES (6, 1, 2, '', '[]');`)
    const profile = { id: 1 }
    const first = { id: 5 }
    const second = { id: 6, version: 2 }
    const surrogate = runs.createRun(sampleRun())
    const onFirst = runs.createRun(sampleRun({ device: { profileId: profile.id, calibrationId: first.id } }))
    const onSecond = runs.createRun(sampleRun({ device: { profileId: profile.id, calibrationId: second.id } }))
    expect(ids({ filter: { deviceProfileIds: [profile.id] } })).toEqual([onSecond, onFirst])
    expect(ids({ filter: { calibrationIds: [first.id] } })).toEqual([onFirst])
    expect(ids({ filter: { calibrationVersions: [second.version] } })).toEqual([onSecond])
    expect(ids({ filter: { deviceProfileIds: [profile.id + 1] } })).toEqual([])
    expect(ids({})).toContain(surrogate)
  })

  it('sorts by fitness, correlation, accuracy and duration, runs without the value last either way', () => {
    const all = seedRuns()
    expect(ids({ sort: 'fitness' })).toEqual([all[1], all[0], all[5], all[4], all[3], all[2]])
    expect(ids({ sort: 'fitness', order: 'asc' })).toEqual([all[5], all[0], all[1], all[2], all[3], all[4]])
    expect(ids({ sort: 'correlation' }).slice(0, 3)).toEqual([all[5], all[0], all[1]])
    expect(ids({ sort: 'accuracy' }).slice(0, 2)).toEqual([all[3], all[2]])
    expect(ids({ sort: 'duration' })).toEqual([all[2], all[4], all[0], all[5], all[1], all[3]])
    expect(runs.findRuns({ sort: 'duration', limit: 1 }).runs[0]).toMatchObject({ accuracyPercent: 80 })
  })

  it('sorts a run still running (no duration yet) after the ended ones', () => {
    const all = seedRuns()
    const running = runs.createRun(sampleRun({ startedAt: new Date('2025-03-01T11:00:00.000Z') }))
    expect(ids({ sort: 'duration' }).at(-1)).toBe(running)
    expect(ids({ sort: 'duration', order: 'asc' }).at(-1)).toBe(running)
    expect(ids({}).at(0)).toBe(running)
    expect(all).toHaveLength(6)
  })

  it('finds free text in name, notes and task without case, with % and _ taken literally', () => {
    const all = seedRuns()
    runs.annotateRun(all[0], { name: 'Overnight XOR' })
    runs.annotateRun(all[1], { notes: 'duty 50% on the bench' })
    runs.annotateRun(all[2], { notes: 'duty 50 percent' })
    runs.annotateRun(all[4], { name: 'a_b' })
    runs.annotateRun(all[5], { name: 'axb' })
    expect(ids({ filter: { text: 'overnight' } })).toEqual([all[0]])
    expect(ids({ filter: { text: '50%' } })).toEqual([all[1]])
    expect(ids({ filter: { text: 'a_b' } })).toEqual([all[4]])
    expect(ids({ filter: { text: 'RING' } })).toEqual([all[3], all[2]])
    expect(ids({ filter: { text: '\\' } })).toEqual([])
    expect(ids({ filter: { text: '   ' } })).toHaveLength(6)
  })

  it('filters by any of the tags, case-insensitively, and by star', () => {
    const all = seedRuns()
    runs.annotateRun(all[0], { addTags: ['paper', 'Gate'] })
    runs.annotateRun(all[2], { addTags: ['gate'] })
    runs.annotateRun(all[3], { starred: true, addTags: ['noise:high'] })
    expect(ids({ filter: { tags: ['GATE'] } })).toEqual([all[2], all[0]])
    expect(ids({ filter: { tags: ['paper', 'noise:high'] } })).toEqual([all[3], all[0]])
    expect(ids({ filter: { starred: true } })).toEqual([all[3]])
    expect(ids({ filter: { starred: false } })).toHaveLength(5)
    expect(ids({ filter: { starred: true, tags: ['gate'] } })).toEqual([])
  })

  it('walks an index for the default page and each descending sort, and the tag filter uses its index', () => {
    const plan = (query: RunQuery): string => {
      const { where, params, orderBy, limit, offset } = searchSql(query)
      return db
        .prepare<unknown[], { detail: string }>(
          `EXPLAIN QUERY PLAN SELECT id FROM runs ${where} ${orderBy} LIMIT ? OFFSET ?`
        )
        .all(...params, limit, offset)
        .map((row) => row.detail)
        .join('; ')
    }
    expect(plan({})).toMatch(/USING (COVERING )?INDEX runs_by_started_at/)
    expect(plan({ sort: 'fitness' })).toMatch(/USING (COVERING )?INDEX runs_by_best_fitness/)
    expect(plan({ sort: 'correlation' })).toMatch(/USING (COVERING )?INDEX runs_by_best_correlation/)
    expect(plan({ sort: 'accuracy' })).toMatch(/USING (COVERING )?INDEX runs_by_accuracy/)
    expect(plan({ sort: 'duration' })).toMatch(/USING (COVERING )?INDEX runs_by_duration/)
    expect(plan({ filter: { tags: ['x'] } })).toMatch(/run_tags USING (COVERING )?INDEX run_tags_by_tag/)
    expect(plan({ filter: { starred: true } })).toMatch(/USING (COVERING )?INDEX runs_starred/)
    for (const query of [{}, { sort: 'fitness' as const }, { sort: 'duration' as const }])
      expect(plan(query)).not.toMatch(/TEMP B-TREE/)
  })
})

describe('annotating runs', () => {
  it('renames, stars, notes (stamped) and tags a run, and summaries and details show it', () => {
    const runId = runs.createRun(sampleRun())
    expect(runs.getSummary(runId)).toMatchObject({
      name: null,
      starred: false,
      tags: [],
      notes: '',
      notesUpdatedAt: null
    })
    runs.annotateRun(runId, {
      name: '  XOR gate  ',
      starred: true,
      notes: 'line 1\nline 2',
      addTags: [' b ', 'a', 'A']
    })
    const expected = { name: 'XOR gate', starred: true, tags: ['a', 'b'], notes: 'line 1\nline 2' }
    expect(runs.getSummary(runId)).toMatchObject({ ...expected, notesUpdatedAt: now.toISOString() })
    expect(runs.getRun(runId)).toMatchObject(expected)
    expect(runs.listRuns()[0]).toMatchObject(expected)
    runs.annotateRun(runId, { name: '', starred: false, removeTags: ['B'] })
    expect(runs.getSummary(runId)).toMatchObject({ name: null, starred: false, tags: ['a'] })
    runs.annotateRun(runId, { name: null })
    expect(runs.getSummary(runId)?.name).toBeNull()
  })

  it('refuses, naming what is wrong, and changes nothing of a refused request', () => {
    const runId = runs.createRun(sampleRun())
    runs.annotateRun(runId, { name: 'kept', addTags: ['kept'] })
    expect(() => runs.annotateRun(999, { starred: true })).toThrow('runId: no run 999')
    expect(() => runs.annotateRun(runId, { name: 'x'.repeat(201) })).toThrow(
      `run ${runId}: the name is 201 characters, at most 200`
    )
    expect(() => runs.annotateRun(runId, { notes: 'x'.repeat(MAX_RUN_NOTES_CHARS + 1) })).toThrow(
      `the notes are ${MAX_RUN_NOTES_CHARS + 1} characters, at most ${MAX_RUN_NOTES_CHARS}`
    )
    expect(() => runs.annotateRun(runId, { name: 'changed', addTags: ['ok', 'semi;colon'] })).toThrow(
      'tag "semi;colon" may hold only letters, digits, spaces and _ . : -'
    )
    expect(() => runs.annotateRun(runId, { addTags: ['  '] })).toThrow('a tag must not be empty')
    expect(() => runs.annotateRun(runId, { addTags: ['x'.repeat(51)] })).toThrow(/is 51 characters, at most 50/)
    const tooMany = Array.from({ length: MAX_TAGS_PER_RUN }, (_, index) => `t${index}`)
    expect(() => runs.annotateRun(runId, { addTags: tooMany })).toThrow(
      `run ${runId}: would carry ${MAX_TAGS_PER_RUN + 1} tags, at most ${MAX_TAGS_PER_RUN}`
    )
    expect(runs.getSummary(runId)).toMatchObject({ name: 'kept', tags: ['kept'] })
    runs.annotateRun(runId, { addTags: tooMany, removeTags: ['kept'] })
    expect(runs.getSummary(runId)?.tags).toHaveLength(MAX_TAGS_PER_RUN)
  })

  it('counts every tag in use, most used first', () => {
    const first = runs.createRun(sampleRun())
    const second = runs.createRun(sampleRun())
    runs.annotateRun(first, { addTags: ['paper', 'gate'] })
    runs.annotateRun(second, { addTags: ['Gate'] })
    expect(runs.tagCounts()).toEqual([
      { tag: 'gate', runs: 2 },
      { tag: 'paper', runs: 1 }
    ])
  })
})

describe('deleting runs', () => {
  function count(table: string, runId: number): number {
    return db.prepare<[number], number>(`SELECT count(*) FROM ${table} WHERE run_id = ?`).pluck().get(runId) ?? 0
  }

  function storeMeasurement(kind: 'validation' | 'acquisition', runId: number | null): number {
    return new MeasurementsRepository(db).add({
      kind,
      profileId: null,
      runId,
      label: kind,
      dacRateHz: 1000,
      plateauLength: 1,
      slopeLength: 0,
      inputsVolts: new Float32Array(2),
      electrodeCount: 1,
      readoutNanoamps: new Float32Array(2),
      plateauMask: [true, false],
      saturated: false
    }).id
  }

  it("removes the runs' steps, checkpoints, tags and validation measurements in one go, and nothing else", () => {
    const doomed = runs.createRun(sampleRun())
    const kept = runs.createRun(sampleRun())
    for (const runId of [doomed, kept]) {
      recordGeneration(
        runs,
        runId,
        {
          generation: 1,
          bestFitness: 1,
          bestCorrelation: 1,
          bestSoFarFitness: 1,
          bestSoFarCorrelation: 1,
          bestGenome: [0]
        },
        null,
        { step: 1 }
      )
      runs.finishRun(runId, 'stopped')
      runs.annotateRun(runId, { addTags: ['x'] })
    }
    const validation = storeMeasurement('validation', doomed)
    const otherOfTheRun = storeMeasurement('acquisition', doomed)
    const keptValidation = storeMeasurement('validation', kept)
    const deletion = runs.deleteRuns([doomed, doomed])
    expect(deletion).toMatchObject({ deleted: [doomed], vacuumSuggested: expect.any(Boolean) })
    expect(deletion.pageSizeBytes).toBeGreaterThan(0)
    expect(runs.getRun(doomed)).toBeNull()
    for (const table of ['run_steps', 'run_checkpoints', 'run_tags', 'measurements'])
      expect(count(table, doomed)).toBe(0)
    for (const table of ['run_steps', 'run_checkpoints', 'run_tags', 'measurements']) expect(count(table, kept)).toBe(1)
    const measurementIds = db.prepare<[], number>('SELECT id FROM measurements ORDER BY id').pluck().all()
    expect(measurementIds).toEqual([otherOfTheRun, keptValidation])
    expect(measurementIds).not.toContain(validation)
    expect(runs.tagCounts()).toEqual([{ tag: 'x', runs: 1 }])
  })

  it('refuses a running or unknown run by id and then deletes none of the request', () => {
    const ended = runs.createRun(sampleRun())
    runs.finishRun(ended, 'completed')
    const running = runs.createRun(sampleRun())
    expect(() => runs.deleteRuns([ended, running])).toThrow(
      `cannot delete run ${running}: it is running (stop it first, then delete it)`
    )
    expect(() => runs.deleteRuns([ended, 77])).toThrow('cannot delete run 77: there is no such run')
    expect(runs.getSummary(ended)).not.toBeNull()
  })

  it('suggests VACUUM once a quarter of the file is free, and VACUUM gives it back', () => {
    const runIds = Array.from({ length: 3 }, () => runs.createRun(sampleRun()))
    for (const runId of runIds) {
      runs.annotateRun(runId, { notes: 'n'.repeat(90_000) })
      runs.finishRun(runId, 'completed')
    }
    const deletion = runs.deleteRuns(runIds.slice(0, 2))
    expect(deletion.freedPages).toBeGreaterThan(0)
    expect(deletion.vacuumSuggested).toBe(true)
    const vacuum = runs.vacuum()
    expect(vacuum.reclaimedPages).toBeGreaterThan(0)
    expect(db.pragma('freelist_count', { simple: true })).toBe(0)
  })
})
