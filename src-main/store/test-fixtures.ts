/** Shared helpers for the store's tests: temporary folders, a valid run, a damaged database. */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from './database'
import type { GenerationMetrics, RunResultUpdate } from '../../src-shared/domain'
import { RunsRepository, type NewRun } from './runs-repository'

export interface TempFolder {
  path: string
  file(name: string): string
  remove(): void
}

export function makeTempFolder(): TempFolder {
  const path = mkdtempSync(join(tmpdir(), 'dnpu-lab-store-'))
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true })
  }
}

export function sampleRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    algorithm: 'ga',
    task: 'xor',
    modelId: 'demo-surrogate',
    config: {
      algorithm: 'ga',
      task: 'xor',
      modelId: 'demo-surrogate',
      dataElectrodes: [1, 2],
      inputRange: [-1, 1],
      partition: [4, 22],
      generations: 100,
      fitness: 'corrsig_fit',
      stopThreshold: 0.9
    },
    seed: 1234,
    computeBackend: 'cpu',
    appVersion: '0.0.0-test',
    controlElectrodes: [0, 3, 4, 5, 6],
    targets: [0, 1, 1, 0],
    startedAt: new Date('2025-03-01T10:00:00.000Z'),
    ...overrides
  }
}

/** The best genome of the run so far, when a generation improved on it. */
export interface BestGenomeSnapshot {
  fitness: number
  correlation: number
  controlVoltages: number[]
  outputsNanoamps: number[]
}

/** A GA generation as the GA runner reports it, recorded through the store's generic step API. */
export function recordGeneration(
  runs: RunsRepository,
  runId: number,
  { generation, bestGenome, ...values }: GenerationMetrics & { bestGenome: number[] },
  best: BestGenomeSnapshot | null,
  checkpoint: unknown
): void {
  const result: RunResultUpdate | null = best && {
    bestFitness: best.fitness,
    bestCorrelation: best.correlation,
    bestControlVoltages: best.controlVoltages,
    bestOutputsNanoamps: best.outputsNanoamps
  }
  runs.recordStep(runId, { step: generation, values: { ...values }, payload: bestGenome, result }, checkpoint)
}

/** A GD epoch, recorded through the generic step API (`best`: the new best-on-validation controls). */
export function recordEpoch(
  runs: RunsRepository,
  runId: number,
  { epoch, ...values }: { epoch: number; trainLoss: number; validationLoss: number | null },
  best: { validationLoss?: number | null; controlVoltages: number[] } | null,
  checkpoint: unknown
): void {
  runs.recordStep(
    runId,
    { step: epoch, values: { ...values }, result: best && { bestControlVoltages: best.controlVoltages } },
    checkpoint
  )
}

/** Deterministic bytes, so the damage (and what SQLite says of it) is the same on every run. */
function garbage(length: number): Buffer {
  const bytes = Buffer.alloc(length)
  let state = 0x2545f491
  for (let index = 0; index < length; index++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    bytes[index] = state & 0xff
  }
  return bytes
}

/**
 * A real database with runs and a few hundred generations, then one page in the middle of
 * run_steps' b-tree overwritten with garbage: the header, the schema and the runs table
 * are intact, so nothing but an integrity check notices.
 */
export async function damagedDatabase(filePath: string, journalMode: 'wal' | 'delete'): Promise<void> {
  const db = await openDatabase(filePath)
  const runs = new RunsRepository(db)
  for (let run = 0; run < 3; run++) {
    const runId = runs.createRun(sampleRun())
    for (let generation = 0; generation < 200; generation++) {
      const bestGenome = [0.1, -0.3, 0.5, 0.2, -0.1]
      recordGeneration(
        runs,
        runId,
        {
          generation,
          bestFitness: generation,
          bestCorrelation: 0.5,
          bestSoFarFitness: generation,
          bestSoFarCorrelation: 0.5,
          bestGenome
        },
        null,
        { generation }
      )
    }
    runs.finishRun(runId, 'completed')
  }
  const pageSizeBytes = db.pragma('page_size', { simple: true }) as number
  const leaves = db
    .prepare<[], number>("SELECT pageno FROM dbstat WHERE name = 'run_steps' AND pagetype = 'leaf' ORDER BY pageno")
    .pluck()
    .all()
  if (journalMode === 'delete') db.pragma('journal_mode = DELETE')
  // Closing checkpoints the log into the file and deletes it: the file alone holds everything.
  db.close()
  if (leaves.length < 5) throw new Error(`run_steps has only ${leaves.length} leaf pages`)
  const victim = leaves[Math.floor(leaves.length / 2)]
  const fd = openSync(filePath, 'r+')
  writeSync(fd, garbage(pageSizeBytes), 0, pageSizeBytes, (victim - 1) * pageSizeBytes)
  closeSync(fd)
}
