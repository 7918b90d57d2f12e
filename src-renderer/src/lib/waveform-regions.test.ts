import { describe, expect, it } from 'vitest'
import { durationLabel, plateauMeanMarkers, plateauSpans, sampleTimesSeconds, waveformLayout } from './waveform-regions'

describe('plateauSpans', () => {
  it('finds each run of plateau samples, including one at either end', () => {
    expect(plateauSpans([true, true, false, false, true, true, true, false, true])).toEqual([
      { start: 0, end: 2 },
      { start: 4, end: 7 },
      { start: 8, end: 9 }
    ])
  })

  it('gives nothing for a mask without plateaus', () => {
    expect(plateauSpans([false, false])).toEqual([])
    expect(plateauSpans([])).toEqual([])
  })
})

describe('sampleTimesSeconds', () => {
  it('puts sample i at i / rate', () => {
    expect(sampleTimesSeconds(3, 1000)).toEqual([0, 0.001, 0.002])
  })

  it('refuses a rate that is not positive, naming it', () => {
    expect(() => sampleTimesSeconds(3, 0)).toThrow(/dacRateHz.*0/)
  })
})

describe('plateauMeanMarkers', () => {
  it('puts each mean at the middle sample of its plateau and nothing elsewhere', () => {
    const spans = [
      { start: 1, end: 4 },
      { start: 6, end: 8 }
    ]
    expect(plateauMeanMarkers(spans, [5, -2], 9)).toEqual([null, null, 5, null, null, null, -2, null, null])
  })
})

describe('waveformLayout', () => {
  const measurement = {
    dacRateHz: 100,
    inputsVolts: [
      [0, 0.5, 0.5, 0],
      [0, 0, 0, 0]
    ],
    readoutNanoamps: [0, 3, 4, 0],
    plateauMask: [false, true, true, false],
    plateauMeansNanoamps: [3.5]
  }

  it('lays out time, inputs, readout and means, and the plateaus in seconds', () => {
    const layout = waveformLayout(measurement)
    expect(layout.data).toEqual([
      [0, 0.01, 0.02, 0.03],
      ...measurement.inputsVolts,
      [0, 3, 4, 0],
      [null, 3.5, null, null]
    ])
    expect(layout.plateausSeconds).toEqual([[0.01, 0.03]])
    expect(layout.durationSeconds).toBeCloseTo(0.04)
    expect(layout.electrodeCount).toBe(2)
    expect(layout.warning).toBeNull()
  })

  it('names the stream whose length disagrees with the readout', () => {
    expect(() =>
      waveformLayout({
        ...measurement,
        inputsVolts: [
          [0, 0, 0, 0],
          [0, 0]
        ]
      })
    ).toThrow('inputsVolts[1]: 2 samples, but the readout has 4')
    expect(() => waveformLayout({ ...measurement, plateauMask: [true] })).toThrow(/plateauMask/)
  })

  it('warns when plateaus and stored means do not match', () => {
    expect(waveformLayout({ ...measurement, plateauMeansNanoamps: [1, 2] }).warning).toMatch(/1 plateaus but 2/)
  })
})

describe('durationLabel', () => {
  it('uses ms below a second and s above', () => {
    expect(durationLabel(0.85)).toBe('850 ms')
    expect(durationLabel(12.44)).toBe('12.4 s')
  })
})
