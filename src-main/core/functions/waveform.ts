// Waveforms for hardware: each point is held for plateauLength samples, linear ramps of
// slopeLength samples join the plateaus, and the stream ramps up from 0 V at the start and
// back down to 0 V at the end. Data is rows (samples) x columns (electrodes); ramps run per column.
//
// Layout for n points p0..p(n-1), s = slopeLength, P = plateauLength:
//   ramp 0 -> p0:      s samples p0 * k / s, k = 0..s-1 (starts at exactly 0, excludes p0)
//   plateau i:         P copies of p_i
//   ramp p_i -> p_i+1: s samples p_i + (p_i+1 - p_i) * k / (s + 1), k = 1..s (excludes both ends)
//   ramp p_last -> 0:  s samples p_last * (s - k) / s, k = 1..s (excludes p_last, ends at exactly 0)
// Length s + n * (P + s), the length brains-py's generate_mask assumes. brains-py builds its ramps
// with np.linspace(a, b, s), which repeats both ends (so a plateau is really P + 2 samples
// long, and with s = 1 the "ramp" is just one endpoint); the semantics page fixes the endpoint
// rules above instead, and we follow it. P = 1, s = 0 is the identity ("no waveform").

export interface WaveformShape {
  plateauLength: number;
  slopeLength: number;
}

export interface Waveform {
  data: number[][];
  /** True on plateau samples (the "real" ones), false on ramps. */
  mask: boolean[];
}

function checkShape({ plateauLength, slopeLength }: WaveformShape): void {
  if (!Number.isInteger(plateauLength) || plateauLength < 1) {
    throw new RangeError(`plateauLength must be a positive integer, got ${plateauLength}`);
  }
  if (!Number.isInteger(slopeLength) || slopeLength < 0) {
    throw new RangeError(`slopeLength must be a non-negative integer, got ${slopeLength}`);
  }
}

/** Row count check plus a rectangular, non-empty check; returns the column count. */
function checkRows(data: readonly (readonly number[])[], what: string): number {
  if (data.length === 0) throw new RangeError(`${what} is empty`);
  const width = data[0]!.length;
  if (width === 0) throw new RangeError(`${what} has rows with no columns`);
  data.forEach((row, r) => {
    if (row.length !== width) throw new RangeError(`${what} row ${r} has ${row.length} columns, expected ${width}`);
  });
  return width;
}

function checkPlateauRows(data: readonly (readonly number[])[], plateauLength: number): void {
  if (data.length % plateauLength !== 0) {
    throw new RangeError(`${data.length} plateau samples is not a multiple of the plateau length ${plateauLength}`);
  }
}

/** Each point repeated plateauLength times (targets lined up with raw plateau samples). */
export function pointsToPlateaus(points: readonly (readonly number[])[], shape: WaveformShape): number[][] {
  checkShape(shape);
  checkRows(points, 'points');
  const out: number[][] = [];
  for (const row of points) for (let k = 0; k < shape.plateauLength; k += 1) out.push(Array.from(row));
  return out;
}

/** Plateau samples (n * plateauLength rows) -> full waveform with ramps, plus the plateau mask. */
export function plateausToWaveform(plateaus: readonly (readonly number[])[], shape: WaveformShape): Waveform {
  checkShape(shape);
  checkRows(plateaus, 'plateaus');
  checkPlateauRows(plateaus, shape.plateauLength);
  const { plateauLength: p, slopeLength: s } = shape;
  const data: number[][] = [];
  const mask: boolean[] = [];
  const ramp = (row: number[]): void => {
    data.push(row);
    mask.push(false);
  };
  const first = plateaus[0]!;
  // k = 0 is written as 0 directly: first * 0 would give -0 for a negative voltage.
  for (let k = 0; k < s; k += 1) ramp(first.map((v) => (k === 0 ? 0 : (v * k) / s)));
  const count = plateaus.length / p;
  for (let i = 0; i < count; i += 1) {
    for (let k = 0; k < p; k += 1) {
      data.push(Array.from(plateaus[i * p + k]!));
      mask.push(true);
    }
    if (i < count - 1) {
      const from = plateaus[i * p + p - 1]!;
      const to = plateaus[(i + 1) * p]!;
      for (let k = 1; k <= s; k += 1) ramp(from.map((a, c) => a + ((to[c]! - a) * k) / (s + 1)));
    }
  }
  const last = plateaus[plateaus.length - 1]!;
  for (let k = 1; k <= s; k += 1) ramp(last.map((v) => (k === s ? 0 : (v * (s - k)) / s)));
  return { data, mask };
}

/** Points -> waveform samples (the stream sent to hardware: first and last sample exactly 0 V). */
export function pointsToWaveform(points: readonly (readonly number[])[], shape: WaveformShape): number[][] {
  return plateausToWaveform(pointsToPlateaus(points, shape), shape).data;
}

/** Mean over each plateau: n * plateauLength rows -> n rows. */
export function plateausToPoints(plateaus: readonly (readonly number[])[], shape: WaveformShape): number[][] {
  checkShape(shape);
  const width = checkRows(plateaus, 'plateaus');
  checkPlateauRows(plateaus, shape.plateauLength);
  const p = shape.plateauLength;
  const out: number[][] = [];
  for (let start = 0; start < plateaus.length; start += p) {
    const sums = new Array<number>(width).fill(0);
    for (let k = 0; k < p; k += 1) plateaus[start + k]!.forEach((v, c) => (sums[c] = sums[c]! + v));
    out.push(sums.map((sum) => sum / p));
  }
  return out;
}

/**
 * The plateau mask of a waveform of `length` samples: slopeLength false, then per point
 * plateauLength true and slopeLength false. Only lengths s + n * (P + s) with n >= 1 are
 * waveforms; any other length is refused (brains-py silently truncates n).
 */
export function generateMask(length: number, shape: WaveformShape): boolean[] {
  checkShape(shape);
  const { plateauLength: p, slopeLength: s } = shape;
  const count = (length - s) / (p + s);
  if (!Number.isInteger(length) || !Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `${length} samples is not a waveform length for plateau ${p} and slope ${s}: ` +
        `it must be ${s} + n * ${p + s} for a whole number n >= 1 of points`,
    );
  }
  const mask: boolean[] = new Array<boolean>(s).fill(false);
  for (let i = 0; i < count; i += 1) {
    for (let k = 0; k < p; k += 1) mask.push(true);
    for (let k = 0; k < s; k += 1) mask.push(false);
  }
  return mask;
}

/** Keep only the plateau samples of a waveform (mask generated from the length when not given). */
export function waveformToPlateaus(
  waveform: readonly (readonly number[])[],
  shape: WaveformShape,
  mask: readonly boolean[] = generateMask(waveform.length, shape),
): number[][] {
  if (mask.length !== waveform.length) throw new RangeError(`mask has ${mask.length} entries but the waveform ${waveform.length} samples`);
  return waveform.filter((_, i) => mask[i]).map((row) => Array.from(row));
}

/** waveformToPlateaus then plateausToPoints. */
export function waveformToPoints(waveform: readonly (readonly number[])[], shape: WaveformShape, mask?: readonly boolean[]): number[][] {
  return plateausToPoints(waveformToPlateaus(waveform, shape, mask), shape);
}
