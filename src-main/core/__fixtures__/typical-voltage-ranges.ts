// Test helper: the typical calibrated ranges of a 7-activation-electrode DNPU (V), as the
// semantics page lists them (also the demo device's).
export const TYPICAL_VOLTAGE_RANGES_VOLTS: [number, number][] = [
  [-0.55, 0.325],
  [-0.95, 0.55],
  [-1.0, 0.6],
  [-1.0, 0.6],
  [-1.0, 0.6],
  [-0.95, 0.55],
  [-0.55, 0.325],
];
