/**
 * A stored run's settings on their way from History to the Training form ("New run from these
 * settings"): History's rerun button puts them here and opens Training, which takes them once
 * (`takeRerunRequest`) when it opens, into its form, and shows where they came from. Plain module
 * state, not reactive: the two views are never on screen together, so Training always opens
 * after the request is made.
 */
import type { ControlTrainingConfig } from '../../../src-shared/ipc'

export interface RerunRequest {
  runId: number
  /** True: the run's own seed; false: the seed is left empty so the new run draws one. */
  sameSeed: boolean
  /**
   * As `runs:rerun-config` gave it (checked against this version's schema); a surrogate training
   * run is rerun from the Models view's form, not the Training view's.
   */
  config: ControlTrainingConfig
}

const pending: { request: RerunRequest | null } = { request: null }

export function requestRerun(request: RerunRequest): void {
  pending.request = request
}

/** The waiting request, once: a second call (or a later visit to Training) gets null. */
export function takeRerunRequest(): RerunRequest | null {
  const request = pending.request
  pending.request = null
  return request
}

/** "Settings from run #12 (same seed)": the Training view's notice. */
export function rerunNotice(request: Pick<RerunRequest, 'runId' | 'sameSeed'>): string {
  return `Settings from run #${request.runId} (${request.sameSeed ? 'same seed' : 'new seed'})`
}
