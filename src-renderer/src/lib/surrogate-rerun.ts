/**
 * A surrogate training run's settings on their way from History to the Models view's "Train a
 * surrogate" form (History's "New run from these settings"): RerunButton leaves them here and
 * opens `#models?train=N`; the form takes them once, when it opens on that dataset. Plain module
 * state, as rerun-request.ts for the Training form: the two views are never on screen together.
 */
import type { SurrogateTrainingConfig } from '../../../src-shared/ipc'
import { surrogateFormFromConfig, type SurrogateForm } from './surrogate-form'

export interface SurrogateRerunRequest {
  runId: number
  /** True: the run's own seed; false: the seed is left empty so the new run draws one. */
  sameSeed: boolean
  /** As `runs:rerun-config` gave it (checked against this version's schema). */
  config: SurrogateTrainingConfig
}

const pending: { request: SurrogateRerunRequest | null } = { request: null }

export function requestSurrogateRerun(request: SurrogateRerunRequest): void {
  pending.request = request
}

/**
 * The waiting request as a filled form and its notice, once, if it is for the dataset the Models
 * view was opened on (a hash typed later for another dataset does not take an old request).
 */
export function takeSurrogateRerun(datasetId: number | null): { form: SurrogateForm; notice: string } | null {
  const request = pending.request
  pending.request = null
  if (!request || request.config.datasetId !== datasetId) return null
  return {
    form: surrogateFormFromConfig(request.config, { keepSeed: request.sameSeed }),
    notice: `Settings from run #${request.runId} (${request.sameSeed ? 'same seed' : 'new seed'})`
  }
}
