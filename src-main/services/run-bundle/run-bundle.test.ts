/**
 * Run bundles between two real data folders (SQLite files in temp folders): the round trip keeps
 * each run's history exactly, models and calibrations are deduplicated by content hash, a second
 * import adds nothing, and a newer format version is refused by name.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { GaTrainingConfig } from '../../../src-shared/ipc'
import { RunsRepository, type Database } from '../../store'
import { makeTempFolder, sampleRun, type TempFolder } from '../../store/test-fixtures'
import { BUNDLE_FORMAT_VERSION, BUNDLE_LIMITS } from './bundle-format'
import { exportRunBundle, importRunBundle, RunBundleError, writeRunBundle } from './index'
import {
  bytesOf,
  makeSourceRuns,
  openFolderDatabase,
  portable,
  tableCounts,
  textOf,
  unzipBundle,
  zipBundle,
  type SourceRuns
} from './test-support'

let folderA: TempFolder
let folderB: TempFolder
let source: SourceRuns
let target: Database

beforeEach(async () => {
  folderA = makeTempFolder()
  folderB = makeTempFolder()
  source = await makeSourceRuns(folderA.path)
  target = await openFolderDatabase(folderB.path)
})

afterEach(() => {
  source.db.close()
  target.close()
  folderA.remove()
  folderB.remove()
})

function bundleOf(runIds: number[]): Uint8Array {
  return writeRunBundle(source.db, runIds, '1.0.0-test').bytes
}

describe('a run bundle', () => {
  it('carries runs to another database with their history, tags, notes, model and calibration', () => {
    const ids = [source.gateRun, source.stoppedRun, source.deviceRun]
    const file = exportRunBundle(source.db, ids, '1.0.0-test')
    expect(file).toMatchObject({ fileName: `dnpu-runs-${ids.join('-')}.dnpurun`, runCount: 3 })
    expect(file.bytes).toBe(Buffer.from(file.contentBase64, 'base64').length)

    const result = importRunBundle(target, file.fileName, Buffer.from(file.contentBase64, 'base64'))
    expect(result).toMatchObject({
      runsAdded: 3,
      runsAlreadyPresent: 0,
      modelsAdded: 1,
      modelsAlreadyPresent: 0,
      calibrationsAdded: 1,
      calibrationsAlreadyPresent: 0
    })
    expect(result.runs.map((run) => run.bundleRunId)).toEqual(ids)
    expect(result.notes).toEqual([expect.stringContaining('created device profile "Bench 1"')])

    const from = new RunsRepository(source.db)
    const to = new RunsRepository(target)
    for (const { bundleRunId, runId } of result.runs) {
      expect(portable(to.getRun(runId))).toEqual(portable(from.getRun(bundleRunId)))
      expect(to.getCheckpoint(runId)).toEqual(from.getCheckpoint(bundleRunId))
    }
    const imported = to.getRun(result.runs[0]!.runId)!
    expect(imported).toMatchObject({ name: 'best XOR', starred: true, tags: ['Paper', 'xor'], notes: 'looks good' })
    // The stored model came along and the run (and its config) point at its id here.
    const modelId = target.prepare<[], number>('SELECT id FROM models').pluck().get()!
    expect(imported.modelId).toBe(String(modelId))
    expect((imported.config as GaTrainingConfig).modelId).toBe(String(modelId))
    expect(to.getRun(result.runs[1]!.runId)!.resumable).toBe(true)
    // The device run: its profile and calibration exist here, its validation points at the copied measurement.
    const deviceRun = to.getRun(result.runs[2]!.runId)!
    const calibration = target
      .prepare<[], { id: number; profile_id: number }>('SELECT id, profile_id FROM calibrations')
      .get()!
    expect(deviceRun.device).toEqual({ profileId: calibration.profile_id, calibrationId: calibration.id })
    const measurement = target.prepare<[], { id: number; run_id: number }>('SELECT id, run_id FROM measurements').get()!
    expect(measurement.run_id).toBe(deviceRun.id)
    expect(deviceRun.validations[0]).toMatchObject({ measurementId: measurement.id })
    // The lab's active calibration is not changed by an import (the profile is new, so it has none).
    expect(target.prepare('SELECT active_calibration_id FROM device_profiles').pluck().get()).toBeNull()
  })

  it('holds a model once for two runs that share it, and a second import adds nothing', () => {
    const bytes = bundleOf([source.gateRun, source.stoppedRun])
    const manifest = JSON.parse(textOf(unzipBundle(bytes)['manifest.json'])) as {
      models: unknown[]
      formatVersion: number
    }
    expect(manifest.models).toHaveLength(1)
    expect(manifest.formatVersion).toBe(BUNDLE_FORMAT_VERSION)

    const first = importRunBundle(target, 'a.dnpurun', bytes)
    const counts = tableCounts(target)
    const second = importRunBundle(target, 'a.dnpurun', bytes)
    expect(tableCounts(target)).toEqual(counts)
    expect(second).toMatchObject({ runsAdded: 0, runsAlreadyPresent: 2, modelsAdded: 0, modelsAlreadyPresent: 1 })
    expect(second.runs).toEqual(first.runs.map((run) => ({ ...run, added: false })))
  })

  it('finds the model and the calibration already here when another bundle brings them again', () => {
    importRunBundle(target, 'one.dnpurun', bundleOf([source.gateRun, source.deviceRun]))
    const result = importRunBundle(target, 'two.dnpurun', bundleOf([source.stoppedRun, source.deviceRun]))
    expect(result).toMatchObject({
      runsAdded: 1,
      runsAlreadyPresent: 1,
      modelsAdded: 0,
      modelsAlreadyPresent: 1,
      calibrationsAdded: 0,
      calibrationsAlreadyPresent: 1,
      notes: []
    })
    expect(tableCounts(target)).toMatchObject({ runs: 3, models: 1, calibrations: 1, device_profiles: 1 })
  })

  it('brought back to the database it came from, adds nothing', () => {
    const before = tableCounts(source.db)
    const result = importRunBundle(source.db, 'back.dnpurun', bundleOf([source.gateRun]))
    expect(result.runs).toEqual([{ bundleRunId: source.gateRun, runId: source.gateRun, added: false }])
    expect(tableCounts(source.db)).toEqual(before)
  })

  it('refuses to export a run that is still running, naming it', () => {
    const running = new RunsRepository(source.db).createRun(sampleRun())
    expect(() => bundleOf([source.gateRun, running])).toThrow(`run #${running} is still running`)
    expect(() => bundleOf([9999])).toThrow('run #9999: there is no such run')
  })

  it('refuses a bundle of a newer format version, naming both versions', () => {
    const files = unzipBundle(bundleOf([source.gateRun]))
    const manifest = JSON.parse(textOf(files['manifest.json'])) as Record<string, unknown>
    files['manifest.json'] = bytesOf(JSON.stringify({ ...manifest, formatVersion: BUNDLE_FORMAT_VERSION + 1 }))
    const before = tableCounts(target)
    expect(() => importRunBundle(target, 'new.dnpurun', zipBundle(files))).toThrow(
      new RunBundleError(
        `new.dnpurun: entry manifest.json: the bundle has format version ${BUNDLE_FORMAT_VERSION + 1}, newer than the version ${BUNDLE_FORMAT_VERSION} this DNPU Lab reads: update DNPU Lab to import it`
      )
    )
    expect(tableCounts(target)).toEqual(before)
  })

  it('stores an entry that would deflate like a zip bomb, so the import still reads it', () => {
    // 3 MiB of one repeated state: deflate would shrink it ~1000 times, past the reader's ratio limit.
    const state = JSON.stringify({ rng: 'x'.repeat(3 * 1024 * 1024) })
    source.db.prepare('UPDATE run_checkpoints SET state_json = ? WHERE run_id = ?').run(state, source.stoppedRun)
    const bytes = bundleOf([source.stoppedRun])
    expect(bytes.length).toBeGreaterThan(3 * 1024 * 1024)
    const result = importRunBundle(target, 'big.dnpurun', bytes)
    expect(new RunsRepository(target).getCheckpoint(result.runs[0]!.runId)).toEqual({
      step: 2,
      state: JSON.parse(state) as unknown
    })
  })

  it('refuses to export a run with an entry this app could not import, naming the run and the entry', () => {
    const state = JSON.stringify({ rng: 'x'.repeat(BUNDLE_LIMITS.entryBytes) })
    source.db.prepare('UPDATE run_checkpoints SET state_json = ? WHERE run_id = ?').run(state, source.stoppedRun)
    expect(() => bundleOf([source.gateRun, source.stoppedRun])).toThrow(
      `run #${source.stoppedRun}: entry runs/2/checkpoint.json would take 64.0 MiB, more than the 64 MiB a bundle may hold: export fewer runs`
    )
  })
})
