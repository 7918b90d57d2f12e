import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DeviceSettings } from '../../src-shared/ipc'
import { DatasetsRepository, type DatasetSettings } from './datasets-repository'
import { DeviceRepository } from './device-repository'
import { applyMigrations } from './migrations'
import { makeTempFolder, type TempFolder } from './test-fixtures'

const deviceSettings: DeviceSettings = {
  port: { path: '/dev/ttyACM0', baudRate: 115200 },
  activationChannels: [0, 1],
  readoutChannel: 0,
  amplificationNanoampsPerVolt: 28.5,
  invertedOutput: false,
  dacRateHz: 1000,
  adcRateHz: 1000,
  averaging: true,
  plateauLength: 10,
  slopeLength: 5
}
const settings: DatasetSettings = {
  electrodeRangesVolts: [
    [-1, 0.5],
    [-0.5, 0.5]
  ],
  sampleRateHz: 1000,
  frequencyFactor: 0.0003,
  frequenciesHz: [0.42, 0.52],
  phasesRadians: [0, 1],
  chunkSamples: 3,
  rampSamples: 100,
  durationSeconds: 0.009,
  amplificationNanoampsPerVolt: 28.5,
  invertedOutput: false,
  clippingNanoamps: [-114, 114]
}

/** Chunk k: inputs k.0, k.1, ... ; outputs 10k + s; sample 1 clipped in odd chunks. */
function chunk(chunkIndex: number) {
  return {
    chunkIndex,
    inputsVolts: Float32Array.from({ length: 6 }, (_, i) => chunkIndex + i / 10),
    outputsNanoamps: Float32Array.from({ length: 3 }, (_, s) => 10 * chunkIndex + s),
    clipped: [false, chunkIndex % 2 === 1, false]
  }
}

describe('DatasetsRepository (a real SQLite file)', () => {
  let folder: TempFolder
  let db: BetterSqlite3.Database
  let datasets: DatasetsRepository
  let profileId: number
  let calibrationId: number

  beforeEach(() => {
    folder = makeTempFolder()
    db = new BetterSqlite3(folder.file('dnpu-lab.db'))
    db.pragma('foreign_keys = ON')
    applyMigrations(db)
    const devices = new DeviceRepository(db)
    profileId = devices.profileForIdentity(
      { maker: 'DNPU-SIM', model: 'DAQ-7x1', serial: 'SIM0001', firmware: '1.0.0' },
      () => ({ name: 'Sim', settings: deviceSettings })
    ).id
    calibrationId = devices.addCalibration({
      profileId,
      notes: '',
      electrodes: settings.electrodeRangesVolts.map((rangeVolts, electrode) => ({
        electrode,
        rangeVolts,
        trialRangeVolts: null,
        suggestedRangeVolts: null,
        saturated: false
      })),
      rangeOverride: null,
      measurementId: null
    }).id
    datasets = new DatasetsRepository(db)
  })
  afterEach(() => {
    db.close()
    folder.remove()
  })

  it('stores chunks as they arrive and reads them back merged in chunk order, clipped samples dropped', () => {
    const dataset = datasets.create(profileId, calibrationId, settings, 3)
    expect(dataset).toMatchObject({
      status: 'sampling',
      chunkCountTarget: 3,
      chunksStored: 0,
      sampleCount: 0,
      settings
    })
    // Stored out of order on purpose: reading goes by chunk index.
    datasets.addChunk(dataset.id, chunk(1))
    datasets.addChunk(dataset.id, chunk(0))
    datasets.addChunk(dataset.id, chunk(2))
    datasets.setStatus(dataset.id, 'complete')
    expect(datasets.get(dataset.id)).toMatchObject({
      status: 'complete',
      chunksStored: 3,
      sampleCount: 9,
      clippedCount: 1,
      keptCount: 8
    })
    const read = datasets.readDataset(dataset.id)
    expect(Array.from(read.outputsNanoamps)).toEqual([0, 1, 2, 10, 12, 20, 21, 22])
    expect(read.inputsVolts).toHaveLength(16)
    // Chunk 1, sample 2 (its sample 1 was clipped): inputs 1.4, 1.5.
    expect(Array.from(read.inputsVolts.subarray(8, 10))).toEqual([Math.fround(1.4), Math.fround(1.5)])
    expect(read).toMatchObject({
      electrodeRanges: settings.electrodeRangesVolts,
      amplification: 28.5,
      clipping: [-114, 114],
      clippedDropped: 1
    })
  })

  it('a resume finds the first missing chunk; a chunk stored twice is refused and nothing is doubled', () => {
    const dataset = datasets.create(profileId, calibrationId, settings, 4)
    expect(datasets.missingChunks(dataset.id)).toEqual([0, 1, 2, 3])
    datasets.addChunk(dataset.id, chunk(0))
    datasets.addChunk(dataset.id, chunk(1))
    datasets.setStatus(dataset.id, 'interrupted', 'the instrument link closed')
    expect(datasets.missingChunks(dataset.id)).toEqual([2, 3])
    expect(() => datasets.addChunk(dataset.id, chunk(1))).toThrow(/UNIQUE constraint failed/)
    expect(datasets.chunkIndexes(dataset.id)).toEqual([0, 1])
    expect(datasets.get(dataset.id)).toMatchObject({
      status: 'interrupted',
      error: 'the instrument link closed',
      sampleCount: 6
    })
    // Survives a reopen of the file.
    db.close()
    db = new BetterSqlite3(folder.file('dnpu-lab.db'))
    datasets = new DatasetsRepository(db)
    expect(datasets.missingChunks(dataset.id)).toEqual([2, 3])
    datasets.addChunk(dataset.id, chunk(2))
    datasets.addChunk(dataset.id, chunk(3))
    expect(datasets.missingChunks(dataset.id)).toEqual([])
    expect(datasets.readDataset(dataset.id).outputsNanoamps).toHaveLength(4 * 3 - 2)
    expect(datasets.list().map((d) => d.id)).toEqual([dataset.id])
  })

  it('refuses a chunk whose arrays disagree, storing nothing', () => {
    const dataset = datasets.create(profileId, calibrationId, settings, 1)
    expect(() => datasets.addChunk(dataset.id, { ...chunk(0), clipped: [false] })).toThrow(
      /chunk 0: 6 input values, 3 outputs and 1 clip flags do not describe the same samples/
    )
    expect(datasets.chunkIndexes(dataset.id)).toEqual([])
    expect(() => datasets.create(profileId, calibrationId, settings, 0)).toThrow(/at least 1 chunk/)
  })
})
