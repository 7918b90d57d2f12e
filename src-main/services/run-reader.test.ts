import { describe, expect, it } from 'vitest'
import type { RunDetail } from '../../src-shared/ipc'
import { RunReader } from './run-reader'

/** Only the fields the reader looks at; the rest of a run passes through untouched. */
function storedRun(id: number, device: RunDetail['device']): RunDetail {
  return { id, device } as RunDetail
}

describe('run reader', () => {
  it('refuses an unknown run with the message the app shows', () => {
    const reader = new RunReader({ getRun: () => null }, () => null)
    expect(() => reader.get(42)).toThrow(new Error('runId: no run 42'))
  })

  it('gives a run on the device the ranges of the calibration it ran under', () => {
    const ranges: [number, number][] = [
      [-0.5, 0.5],
      [-1, 0.8]
    ]
    const asked: number[] = []
    const reader = new RunReader(
      { getRun: (runId) => storedRun(runId, { profileId: 1, calibrationId: 7 }) },
      (calibrationId) => {
        asked.push(calibrationId)
        return ranges
      }
    )
    expect(reader.get(3).device).toEqual({ profileId: 1, calibrationId: 7, rangesVolts: ranges })
    expect(asked).toEqual([7])
  })

  it('leaves the ranges out when the calibration is gone, and a surrogate run as it is', () => {
    const onDevice = new RunReader(
      { getRun: (runId) => storedRun(runId, { profileId: 1, calibrationId: 7 }) },
      () => null
    )
    expect(onDevice.get(3).device).toEqual({ profileId: 1, calibrationId: 7, rangesVolts: undefined })
    const onSurrogate = new RunReader({ getRun: (runId) => storedRun(runId, null) }, () => {
      throw new Error('a surrogate run has no calibration to look up')
    })
    expect(onSurrogate.get(4)).toEqual({ id: 4, device: null })
  })
})
