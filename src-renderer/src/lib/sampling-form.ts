/**
 * The Sampling view's form: the typed text -> a sampling request (or the fields' errors), and
 * whether Start may be pressed, with the reason when not. Pure, so it is unit-tested.
 */
import {
  MAX_FREQUENCY_FACTOR,
  MAX_SAMPLING_CHUNK_SECONDS,
  MAX_SAMPLING_DURATION_SECONDS,
  type DatasetStatus,
  type SamplingPlanView,
  type SamplingRequestInput
} from '../../../src-shared/ipc'

export interface SamplingFormText {
  durationSeconds: string
  /** Empty: the service's default. */
  chunkSeconds: string
  /** Empty: the default (the reference's, lowered for the slew limit when needed). */
  frequencyFactor: string
}

export const DEFAULT_SAMPLING_FORM: SamplingFormText = { durationSeconds: '60', chunkSeconds: '', frequencyFactor: '' }

export type SamplingFormResult =
  { ok: true; request: SamplingRequestInput } | { ok: false; errors: Partial<Record<keyof SamplingFormText, string>> }

function parsePositive(text: string, what: string, max: number, unit: string): number | string {
  const trimmed = text.trim()
  const value = Number(trimmed)
  if (trimmed === '' || !Number.isFinite(value)) return `${what} must be a number, got "${text}"`
  if (value <= 0) return `${what} must be more than 0${unit}`
  if (value > max) return `${what} must be at most ${max}${unit}`
  return value
}

export function samplingRequestOf(text: SamplingFormText): SamplingFormResult {
  const errors: Partial<Record<keyof SamplingFormText, string>> = {}
  const request: SamplingRequestInput = { durationSeconds: 0 }
  const duration = parsePositive(text.durationSeconds, 'The duration', MAX_SAMPLING_DURATION_SECONDS, ' s')
  if (typeof duration === 'string') errors.durationSeconds = duration
  else request.durationSeconds = duration
  if (text.chunkSeconds.trim() !== '') {
    const chunk = parsePositive(text.chunkSeconds, 'The chunk length', MAX_SAMPLING_CHUNK_SECONDS, ' s')
    if (typeof chunk === 'string') errors.chunkSeconds = chunk
    else request.chunkSeconds = chunk
  }
  if (text.frequencyFactor.trim() !== '') {
    const factor = parsePositive(text.frequencyFactor, 'The frequency factor', MAX_FREQUENCY_FACTOR, '')
    if (typeof factor === 'string') errors.frequencyFactor = factor
    else request.frequencyFactor = factor
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, request }
}

/** Why Start is disabled (the first reason), or null when it may be pressed. */
export function startBlockedReason(
  form: SamplingFormResult,
  plan: SamplingPlanView | null,
  sessionRunning: boolean
): string | null {
  if (sessionRunning) return 'A sampling session is in progress'
  if (!form.ok) return 'Correct the settings first'
  if (plan === null) return 'Working out the plan…'
  if (plan.refusals.length > 0) return plan.refusals[0]!
  return null
}

/** Datasets a Resume button is offered for. */
export function canResume(status: DatasetStatus): boolean {
  return status === 'interrupted' || status === 'paused'
}

/** The Models view's training panel for a complete dataset. */
export function trainLinkOf(datasetId: number): string {
  return `#models?train=${datasetId}`
}

/** `1 min 05 s`, `42 s`, `1 h 02 min`: a time left, rounded up to the second. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—'
  const s = Math.max(0, Math.ceil(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
}
