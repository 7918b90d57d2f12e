/**
 * One JSON line per upload the instrument accepted or rejected (and per stream INIT rejected
 * on its re-check): enough for CI to prove that no stream outside the calibration was played.
 */
import { appendFileSync } from 'node:fs'
import type { StreamSummary } from './stream-check'

export interface UploadLogRecord {
  /** ISO 8601, UTC. */
  time: string
  outcome: 'accepted' | 'rejected'
  /** `upload`: the WAV:DATA checks; `init`: INIT's re-check against the present limits and rates. */
  stage: 'upload' | 'init'
  error: { code: number; message: string } | null
  /** Activation channels of the instrument (the stream's interleave). */
  channelCount: number
  /** Payload bytes of the block; null when none arrived (missing or stalled block). */
  byteCount: number | null
  /** The rest are null when the payload could not be split into whole samples. */
  samplesPerChannel: number | null
  minVolts: number[] | null
  maxVolts: number[] | null
  firstVolts: number[] | null
  lastVolts: number[] | null
  maxStepVolts: number[] | null
  /** What was in force for the check. */
  limitsVolts: [number, number][]
  dacRateHz: number
  adcRateHz: number
  slewVoltsPerSecond: number
  /** slew / DAC rate: the largest step allowed (plus 1 uV tolerance). */
  allowedStepVolts: number
}

export function summaryFields(summary: StreamSummary | null): Pick<UploadLogRecord, 'samplesPerChannel' | 'minVolts' | 'maxVolts' | 'firstVolts' | 'lastVolts' | 'maxStepVolts'> {
  return {
    samplesPerChannel: summary?.samplesPerChannel ?? null,
    minVolts: summary?.minVolts ?? null,
    maxVolts: summary?.maxVolts ?? null,
    firstVolts: summary?.firstVolts ?? null,
    lastVolts: summary?.lastVolts ?? null,
    maxStepVolts: summary?.maxStepVolts ?? null
  }
}

/** JSON with NaN and infinities kept as the strings "NaN", "Infinity", "-Infinity" (JSON would make them null). */
export function uploadLogLine(record: UploadLogRecord): string {
  return JSON.stringify(record, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value))
}

/**
 * Appends records to `file` synchronously: a line is on disk before the next command runs, so a
 * killed simulator still leaves a complete log.
 */
export function uploadLogFileWriter(file: string): (record: UploadLogRecord) => void {
  return (record) => appendFileSync(file, `${uploadLogLine(record)}\n`)
}
