/**
 * Readout volts to device current: `volts * amplification * (inverted ? -1 : 1)` nA
 * (docs/instrument-protocol.md "Host-side rules (driver)"; amplification in nA per volt, the surrogate file
 * convention).
 */

export interface Amplifier {
  /** nA per volt at the ADC. */
  amplification: number
  /** True for an inverting current-to-voltage amplifier. */
  inverted: boolean
}

function checkAmplification(amplification: number): void {
  if (!Number.isFinite(amplification) || amplification === 0)
    throw new RangeError(`amplification must be a finite non-zero number of nA per volt, got ${amplification}`)
}

export function readoutVoltsToNanoamps(volts: number, amplifier: Amplifier): number {
  checkAmplification(amplifier.amplification)
  return volts * amplifier.amplification * (amplifier.inverted ? -1 : 1)
}

/** The same, for a whole channel of readings. */
export function readoutArrayToNanoamps(volts: ArrayLike<number>, amplifier: Amplifier): Float64Array {
  checkAmplification(amplifier.amplification)
  const factor = amplifier.amplification * (amplifier.inverted ? -1 : 1)
  const nanoamps = new Float64Array(volts.length)
  for (let i = 0; i < volts.length; i++) nanoamps[i] = volts[i]! * factor
  return nanoamps
}
