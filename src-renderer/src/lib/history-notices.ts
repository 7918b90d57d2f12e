/** What History's notice line says after an import (pure, for the unit tests). */
import type { RunBundleImport } from '../../../src-shared/ipc'
import { count } from './format'

/** The notice after an import, e.g. "Imported 3 runs (1 already here)." plus main's remarks. */
export function describeImport(result: RunBundleImport): string {
  const parts = [`Imported ${count(result.runsAdded)} run${result.runsAdded === 1 ? '' : 's'}`]
  if (result.runsAlreadyPresent > 0) parts.push(` (${count(result.runsAlreadyPresent)} already here)`)
  const extras: string[] = []
  if (result.modelsAdded > 0) extras.push(`${result.modelsAdded} model${result.modelsAdded === 1 ? '' : 's'} added`)
  if (result.calibrationsAdded > 0)
    extras.push(`${result.calibrationsAdded} calibration${result.calibrationsAdded === 1 ? '' : 's'} added`)
  const tail = [...extras, ...result.notes].join('; ')
  return `${parts.join('')}.${tail ? ` ${tail}.` : ''}`
}
