// The one interface training code talks to. A surrogate model (simulation) and, later, the
// instrument both implement it, so GA and GD run unchanged on either.
export interface Processor {
  readonly activationElectrodeCount: number
  /** Per activation electrode [min, max] in volts; inputs must stay inside. */
  readonly voltageRangesVolts: readonly (readonly [number, number])[]
  /** Outputs at or beyond [lo, hi] (nA) are saturated and treated as invalid. */
  readonly clippingValueNanoamps: readonly [number, number]
  /**
   * One batched evaluation: `inputsVolts` holds `rowCount` rows of `activationElectrodeCount`
   * voltages (row-major); returns rowCount x outputCount currents in nA (row-major).
   */
  forwardNanoamps(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array>
}
