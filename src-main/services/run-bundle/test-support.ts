/**
 * Test helpers for run bundles: a data folder with runs of every kind of link a bundle carries
 * (a stored model shared by two runs, a run on a calibrated device with a validation measurement,
 * tags, notes, a star, a checkpoint), and a way to compare a run across two databases.
 */
import { join } from 'node:path'
import type { DeviceSettings, GaTrainingConfig, RunDetail } from '../../../src-shared/ipc'
import {
  DeviceRepository,
  MeasurementsRepository,
  ModelsRepository,
  openDatabase,
  RunsRepository,
  type Database
} from '../../store'
import { recordGeneration, sampleRun } from '../../store/test-fixtures'
import { DEMO_SURROGATE_JSON } from '../../core/__fixtures__/demo-surrogate'
import { openZip } from '../../core/zip/zip-reader'
import { writeZip } from '../../core/zip/zip-writer'

export const DATABASE_FILE = 'dnpu-lab.db'

export interface SourceRuns {
  db: Database
  /** On the stored model, starred, tagged, with notes, completed. */
  gateRun: number
  /** On the same stored model, stopped with a checkpoint (resumable). */
  stoppedRun: number
  /** On the bundled demo model, on a calibrated device, with a validation measurement. */
  deviceRun: number
  modelId: string
}

function generations(runs: RunsRepository, runId: number, count: number): void {
  for (let generation = 1; generation <= count; generation++) {
    recordGeneration(
      runs,
      runId,
      {
        generation,
        bestFitness: generation / 3,
        bestCorrelation: 0.1 * generation,
        bestSoFarFitness: generation / 3,
        bestSoFarCorrelation: 0.1 * generation,
        bestGenome: [0.1, -0.2, generation / 7]
      },
      {
        fitness: generation / 3,
        correlation: 0.1 * generation,
        controlVoltages: [0.1, 0.2],
        outputsNanoamps: [1, 2, 3, 4]
      },
      { generation, rngState: [1, 2, 3, generation] }
    )
  }
}

/** Opens (creating) the database of a data folder. */
export function openFolderDatabase(folder: string): Promise<Database> {
  return openDatabase(join(folder, DATABASE_FILE))
}

/** Fills a data folder's database with the runs of {@link SourceRuns}. */
export async function makeSourceRuns(folder: string): Promise<SourceRuns> {
  const db = await openFolderDatabase(folder)
  const runs = new RunsRepository(db)
  const model = new ModelsRepository(db).add({
    name: 'Device A surrogate',
    notes: 'measured 2026-01-05',
    sourceFileName: 'device-a.pt',
    sourceSha256: 'a1'.repeat(32),
    definition: DEMO_SURROGATE_JSON,
    warnings: ['no info dict']
  })
  const onModel = (seed: number) =>
    sampleRun({ modelId: model.id, seed, config: { ...(sampleRun().config as GaTrainingConfig), modelId: model.id } })

  const gateRun = runs.createRun(onModel(11))
  generations(runs, gateRun, 3)
  runs.finishRun(gateRun, 'completed', null, new Date('2025-03-01T10:05:00.000Z'))
  runs.annotateRun(gateRun, { name: 'best XOR', starred: true, notes: 'looks good', addTags: ['xor', 'Paper'] })

  const stoppedRun = runs.createRun(onModel(12))
  generations(runs, stoppedRun, 2)
  runs.finishRun(stoppedRun, 'stopped', null, new Date('2025-03-01T11:00:00.000Z'))

  const devices = new DeviceRepository(db)
  const profile = devices.profileForIdentity(
    { maker: 'Lab', model: 'DNPU-1', serial: 'SN42', firmware: '1.2' },
    () => ({
      name: 'Bench 1',
      settings: { dacRateHz: 1000 } as unknown as DeviceSettings
    })
  )
  const calibration = devices.addCalibration({
    profileId: profile.id,
    notes: 'morning',
    electrodes: [
      { electrode: 0, rangeVolts: [-0.5, 0.5], trialRangeVolts: null, suggestedRangeVolts: null, saturated: false }
    ],
    rangeOverride: null,
    measurementId: null
  })
  const deviceRun = runs.createRun(
    sampleRun({ seed: 13, device: { profileId: profile.id, calibrationId: calibration.id } })
  )
  generations(runs, deviceRun, 1)
  runs.finishRun(deviceRun, 'completed', null, new Date('2025-03-01T12:00:00.000Z'))
  const measurement = new MeasurementsRepository(db).add({
    kind: 'validation',
    profileId: profile.id,
    runId: deviceRun,
    label: `validation of run ${deviceRun}`,
    dacRateHz: 1000,
    plateauLength: 2,
    slopeLength: 1,
    inputsVolts: new Float32Array([0.1, 0.2, 0.3, 0.4]),
    electrodeCount: 2,
    readoutNanoamps: new Float32Array([1.5, 2.5]),
    plateauMask: [true, false],
    saturated: false
  })
  runs.addValidation(deviceRun, {
    kind: 'ga',
    measurementId: measurement.id,
    measuredAt: '2025-03-01T12:01:00.000Z',
    outputsNanoamps: [1, 2, 3, 4],
    correlation: 0.9,
    fitness: 1.1,
    trainedOutputsNanoamps: [1, 2, 3, 4]
  })
  return { db, gateRun, stoppedRun, deviceRun, modelId: model.id }
}

/** A run as `runs show --json` sees it, without what differs between databases (ids and refs). */
export function portable(detail: RunDetail | null): unknown {
  if (detail === null) return null
  const { id: _id, modelId: _modelId, device, config, validations, ...rest } = detail
  const { modelId: _configModelId, ...portableConfig } = config as unknown as Record<string, unknown>
  return {
    ...rest,
    config: portableConfig,
    onDevice: device !== null,
    validations: validations.map((validation) => {
      const { measurementId: _measurementId, ...rest } = validation as unknown as Record<string, unknown>
      return rest
    })
  }
}

export function count(db: Database, table: string): number {
  return db.prepare<[], number>(`SELECT count(*) FROM ${table}`).pluck().get()!
}

/** Row counts of every table a bundle writes to. */
export function tableCounts(db: Database): Record<string, number> {
  const tables = [
    'runs',
    'run_steps',
    'run_checkpoints',
    'run_tags',
    'models',
    'device_profiles',
    'calibrations',
    'measurements'
  ]
  return Object.fromEntries(tables.map((table) => [table, count(db, table)]))
}

/** Every entry of a (trusted, test-made) zip, by name. */
export function unzipBundle(bytes: Uint8Array): Record<string, Uint8Array> {
  const zip = openZip(bytes, {
    checkMemberCount: () => {},
    spendExtracted: () => {},
    damaged: (reason) => new Error(reason),
    unsupported: (reason) => new Error(reason)
  })
  return Object.fromEntries(zip.members.map((member) => [member.name, zip.read(member.name)]))
}

/** The entries zipped again (deflated, or stored with `level` 0). */
export function zipBundle(files: Record<string, Uint8Array>, level: 0 | 6 = 6): Uint8Array {
  return writeZip(Object.entries(files), { level })
}

export const textOf = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes)
export const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text)
