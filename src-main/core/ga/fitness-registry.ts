// The GA's fitness functions by name. Its own module because the accuracy and Fisher fitnesses
// live with the column-wise library functions, which themselves build on fitness.ts.
import { corrFit, corrsigFit, type FitnessFunction, type FitnessName } from '../fitness.js'
import { accuracyFit, fisherFit } from '../functions/fitness-functions.js'

export const FITNESS_FUNCTIONS: Readonly<Record<FitnessName, FitnessFunction>> = {
  corrsig_fit: corrsigFit,
  corr_fit: corrFit,
  // One column each; their default values (0) come from the column-wise functions.
  accuracy_fit: (output, target, options) => accuracyFit(output, target, { defaultValue: options?.defaultValue })[0]!,
  fisher_fit: (output, target, options) => fisherFit(output, target, { defaultValue: options?.defaultValue })[0]!
}

export function isFitnessName(value: string): value is FitnessName {
  return Object.prototype.hasOwnProperty.call(FITNESS_FUNCTIONS, value)
}
