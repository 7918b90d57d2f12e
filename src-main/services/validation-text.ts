/** A stored validation on hardware in words: `dnpu runs validate` prints it, `dnpu runs show` lists each one. */
import type { HardwareValidation } from '../../src-shared/ipc'
import { serviceAlgorithmOf } from './algorithms'

/** Lines without a trailing newline; the first names when and what was measured. Each algorithm words its own kind. */
export function describeValidation(validation: HardwareValidation): string[] {
  return serviceAlgorithmOf(validation.kind).describeValidation(validation)
}
