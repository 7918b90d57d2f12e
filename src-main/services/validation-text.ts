/** A stored validation on the device in words: `dnpu runs validate` prints it, `dnpu runs show` lists each one. */
import type { DeviceValidation } from '../../src-shared/ipc'
import { serviceAlgorithmOf } from './algorithms'

/** Lines without a trailing newline; the first names when and what was measured. Each algorithm words its own kind. */
export function describeValidation(validation: DeviceValidation): string[] {
  return serviceAlgorithmOf(validation.kind).describeValidation(validation)
}
