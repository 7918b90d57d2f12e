import type { ProcessorKind } from './device-readiness'

/**
 * What evaluates the GA's genomes: the surrogate or the connected device. Module state, so it
 * is kept across visits to other views, like the form.
 */
export const trainingProcessor = $state<{ current: ProcessorKind }>({ current: 'surrogate' })
