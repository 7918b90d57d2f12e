import { describe, expect, it } from 'vitest'
import {
  generateMask,
  plateausToPoints,
  plateausToWaveform,
  pointsToPlateaus,
  pointsToWaveform,
  waveformToPlateaus,
  waveformToPoints
} from './waveform.js'

describe('pointsToWaveform', () => {
  it('builds ramp, plateaus, interior ramps and the final ramp by hand', () => {
    // Points 4 and -2, plateau 2, slope 3 (one column).
    //   ramp 0 -> 4 (excl. 4):       0, 4/3, 8/3
    //   plateau 4:                   4, 4
    //   ramp 4 -> -2 (excl. both):   4 - 6/4 = 2.5, 1, -0.5
    //   plateau -2:                  -2, -2
    //   ramp -2 -> 0 (ends at 0):    -4/3, -2/3, 0
    const wave = pointsToWaveform([[4], [-2]], { plateauLength: 2, slopeLength: 3 })
    const expected = [0, 4 / 3, 8 / 3, 4, 4, 2.5, 1, -0.5, -2, -2, -4 / 3, -2 / 3, 0]
    expect(wave).toHaveLength(expected.length)
    wave.forEach((row, i) => expect(row[0]).toBeCloseTo(expected[i]!, 14))
    // Exactly 0 V (and +0, not -0) at both ends.
    expect(Object.is(wave[0]![0], 0)).toBe(true)
    expect(Object.is(wave[wave.length - 1]![0], 0)).toBe(true)
  })

  it('ramps every electrode column separately and starts and ends at 0 on all of them', () => {
    const points = [
      [0.3, -0.6, 1],
      [-0.9, 0.2, 1],
      [0.5, 0.5, -1]
    ]
    const shape = { plateauLength: 4, slopeLength: 5 }
    const wave = pointsToWaveform(points, shape)
    expect(wave).toHaveLength(5 + 3 * (4 + 5))
    expect(wave[0]).toEqual([0, 0, 0])
    expect(wave[wave.length - 1]).toEqual([0, 0, 0])
    // First interior ramp sample of column 1: 0.3 + (-0.9 - 0.3) * 1/6.
    expect(wave[5 + 4]![0]).toBeCloseTo(0.3 - 1.2 / 6, 14)
    // Column 3 stays at 1 across the first interior ramp.
    expect(wave[5 + 4]![2]).toBe(1)
  })

  it('with slope 1 the ramps are the start 0, one midpoint, and the end 0', () => {
    expect(pointsToWaveform([[2], [4]], { plateauLength: 1, slopeLength: 1 })).toEqual([[0], [2], [3], [4], [0]])
  })

  it('plateau 1 and slope 0 is the identity ("no waveform")', () => {
    const points = [
      [0.1, 0.2],
      [0.3, 0.4]
    ]
    const shape = { plateauLength: 1, slopeLength: 0 }
    expect(pointsToWaveform(points, shape)).toEqual(points)
    expect(generateMask(2, shape)).toEqual([true, true])
    expect(waveformToPoints(points, shape)).toEqual(points)
  })
})

describe('plateaus and masks', () => {
  const shape = { plateauLength: 3, slopeLength: 2 }

  it('pointsToPlateaus repeats each point plateauLength times', () => {
    expect(
      pointsToPlateaus(
        [
          [1, 2],
          [3, 4]
        ],
        { plateauLength: 2, slopeLength: 9 }
      )
    ).toEqual([
      [1, 2],
      [1, 2],
      [3, 4],
      [3, 4]
    ])
  })

  it('plateausToWaveform masks exactly the plateau samples and matches generateMask', () => {
    const plateaus = pointsToPlateaus([[1], [5]], shape)
    const { data, mask } = plateausToWaveform(plateaus, shape)
    expect(mask).toEqual([false, false, true, true, true, false, false, true, true, true, false, false])
    expect(generateMask(data.length, shape)).toEqual(mask)
    expect(data.filter((_, i) => mask[i])).toEqual(plateaus)
    // Ramp 1 -> 5 over 2 samples excluding both ends: 1 + 4/3, 1 + 8/3.
    expect(data[5]![0]).toBeCloseTo(7 / 3, 14)
    expect(data[6]![0]).toBeCloseTo(11 / 3, 14)
  })

  it('plateausToPoints averages each plateau (noisy plateau samples)', () => {
    const plateaus = [
      [1, 10],
      [2, 20],
      [6, 30],
      [0, -1],
      [0, 1],
      [3, 3]
    ]
    expect(plateausToPoints(plateaus, shape)).toEqual([
      [3, 20],
      [1, 1]
    ])
  })

  it('round trips points -> waveform -> plateaus -> points', () => {
    const points = [
      [0.25, -0.75],
      [-0.5, 0.125],
      [0.375, 0.5],
      [0, -1]
    ]
    for (const s of [
      { plateauLength: 3, slopeLength: 2 },
      { plateauLength: 1, slopeLength: 4 },
      { plateauLength: 5, slopeLength: 0 }
    ]) {
      const wave = pointsToWaveform(points, s)
      expect(wave).toHaveLength(s.slopeLength + points.length * (s.plateauLength + s.slopeLength))
      expect(plateausToPoints(waveformToPlateaus(wave, s), s)).toEqual(points)
      expect(waveformToPoints(wave, s)).toEqual(points)
    }
  })

  it('waveformToPlateaus accepts an explicit mask', () => {
    expect(waveformToPlateaus([[1], [2], [3]], shape, [false, true, false])).toEqual([[2]])
    expect(() => waveformToPlateaus([[1], [2]], shape, [true])).toThrow(/mask has 1 entries/)
  })

  it('refuses lengths no waveform can have and bad shapes', () => {
    // Valid lengths for plateau 3, slope 2: 2 + 5n = 7, 12, 17, ...
    expect(generateMask(7, shape)).toHaveLength(7)
    for (const bad of [0, 2, 6, 8, 11, 7.5, -3]) {
      expect(() => generateMask(bad, shape)).toThrow(RangeError)
    }
    expect(() => generateMask(8, shape)).toThrow(/2 \+ n \* 5/)
    expect(() => plateausToPoints([[1], [2]], shape)).toThrow(/not a multiple of the plateau length 3/)
    expect(() => pointsToWaveform([[1]], { plateauLength: 0, slopeLength: 1 })).toThrow(/plateauLength/)
    expect(() => pointsToWaveform([[1]], { plateauLength: 1, slopeLength: -1 })).toThrow(/slopeLength/)
    expect(() => pointsToWaveform([], shape)).toThrow(/empty/)
    expect(() => pointsToWaveform([[1, 2], [3]], shape)).toThrow(/row 1 has 1 columns/)
  })
})

describe("ramps: 'linspace' (brains-py's WaveformManager)", () => {
  it("reproduces brains-py's plateaus_to_waveform docstring example", () => {
    // WaveformManager({plateau_length: 2, slope_length: 2}).plateaus_to_waveform([[1], [1], [3], [3]])
    const { data, mask } = plateausToWaveform([[1], [1], [3], [3]], {
      plateauLength: 2,
      slopeLength: 2,
      ramps: 'linspace'
    })
    expect(data).toEqual([[0], [1], [1], [1], [1], [3], [3], [3], [3], [0]])
    expect(mask).toEqual([false, false, true, true, false, false, true, true, false, false])
  })

  it('samples every ramp as np.linspace(a, b, slopeLength), ends included', () => {
    // Points 4 and -2, plateau 1, slope 3: linspace(0, 4, 3), 4, linspace(4, -2, 3), -2, linspace(-2, 0, 3).
    const wave = pointsToWaveform([4, -2], { plateauLength: 1, slopeLength: 3, ramps: 'linspace' })
    expect(wave).toEqual([0, 2, 4, 4, 4, 1, -2, -2, -2, -1, 0])
    // Same length and mask as the default ramps: only ramp samples differ.
    const exclusive = pointsToWaveform([4, -2], { plateauLength: 1, slopeLength: 3 })
    expect(exclusive).toHaveLength(wave.length)
    expect(exclusive).not.toEqual(wave)
    expect(waveformToPoints(wave, { plateauLength: 1, slopeLength: 3 })).toEqual([4, -2])
    // slopeLength 1: linspace(a, b, 1) = [a], so the stream ends at the last point (brains-py's behaviour).
    expect(pointsToWaveform([4, -2], { plateauLength: 1, slopeLength: 1, ramps: 'linspace' })).toEqual([
      0, 4, 4, -2, -2
    ])
    expect(() => pointsToWaveform([1], { plateauLength: 1, slopeLength: 1, ramps: 'numpy' as 'linspace' })).toThrow(
      /ramps must be/
    )
  })
})
