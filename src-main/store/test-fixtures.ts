/** Shared helpers for the store's tests: temporary folders and a valid run. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NewRun } from './runs-repository'

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
