/**
 * The simulator's log: one JSON line per upload the instrument accepted or rejected (and per
 * stream INIT rejected on its re-check): enough for CI to prove that no stream outside the
 * calibration was played; and one line (`kind: "outputs"`) per command that moved the outputs
 * outside playback (ABOR, *RST, an interlock trip, SOUR:VOLT), so a test can see where the
 * outputs were left, e.g. that a crashed host's last word was ABOR and every output went to 0 V.
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

export function summaryFields(
  summary: StreamSummary | null
): Pick<UploadLogRecord, 'samplesPerChannel' | 'minVolts' | 'maxVolts' | 'firstVolts' | 'lastVolts' | 'maxStepVolts'> {
  return {
    samplesPerChannel: summary?.samplesPerChannel ?? null,
    minVolts: summary?.minVolts ?? null,
    maxVolts: summary?.maxVolts ?? null,
    firstVolts: summary?.firstVolts ?? null,
    lastVolts: summary?.lastVolts ?? null,
    maxStepVolts: summary?.maxStepVolts ?? null
  }
}

/** Why the outputs moved: `abort` (ABOR, also while a wait was in progress), `reset` (*RST), `interlock` (a narrowed limit tripped: 102), `set-voltage` (SOUR:VOLT). */
export type OutputsEvent = 'abort' | 'reset' | 'interlock' | 'set-voltage'

/** A line of its own kind: upload lines have no `kind` (their format predates this one). */
export interface OutputsLogRecord {
  kind: 'outputs'
  /** ISO 8601, UTC. */
  time: string
  event: OutputsEvent
  /** An acquisition was playing and was stopped by this command. */
  playbackStopped: boolean
  /** Each activation channel's output when the command came (mid-ramp or mid-playback included). */
  fromVolts: number[]
  /** Where each output goes and stays: the setpoints after the command (all 0 after ABOR). */
  toVolts: number[]
  /** Until every output has reached `toVolts` at the slew limit, in ms of this simulator's time (0 at --speed inf). */
  settleMs: number
}

export type SimulatorLogRecord = UploadLogRecord | OutputsLogRecord

/** JSON with NaN and infinities kept as the strings "NaN", "Infinity", "-Infinity" (JSON would make them null). */
export function uploadLogLine(record: SimulatorLogRecord): string {
  return JSON.stringify(record, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : value
  )
}

/**
 * Appends records to `file` synchronously: a line is on disk before the next command runs, so a
 * killed simulator still leaves a complete log.
 */
export function uploadLogFileWriter(file: string): (record: SimulatorLogRecord) => void {
  return (record) => appendFileSync(file, `${uploadLogLine(record)}\n`)
}
