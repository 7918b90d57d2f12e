/**
 * Faults the simulated instrument injects on demand. Each starts when the host begins
 * acquisition K+1 (its INIT or MEAS? runs after K acquisitions completed), so K acquisitions
 * go through in full (upload, INIT, *OPC?, FETC?, error drain) and the next one fails.
 */

export const FAULT_KINDS = ['disconnect', 'stall', 'garbage'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export interface FaultSpec {
  kind: FaultKind
  /** Completed acquisitions before the fault starts (0: at the first INIT). */
  afterAcquisitions: number
}

/** `disconnect-after=K`, `stall-after=K` or `garbage-after=K`; throws a message naming what is wrong. */
export function parseFaultSpec(text: string): FaultSpec {
  const match = /^(disconnect|stall|garbage)-after=(\d+)$/.exec(text.trim())
  if (!match) {
    throw new Error(
      `--fault must be disconnect-after=K, stall-after=K or garbage-after=K (K a whole number >= 0), got "${text}"`
    )
  }
  return { kind: match[1] as FaultKind, afterAcquisitions: Number(match[2]) }
}
