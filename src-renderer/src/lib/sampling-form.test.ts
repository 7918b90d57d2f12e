import { describe, expect, it } from 'vitest'
import type { SamplingPlanView } from '../../../src-shared/ipc'
import { canResume, formatEta, samplingRequestOf, startBlockedReason, trainLinkOf } from './sampling-form'

const plan: SamplingPlanView = {
  refusals: [],
  device: { profileId: 1, profileName: 'Sim', calibrationId: 2, calibrationVersion: 1 },
  plan: {
    chunkCount: 4,
    chunkSamples: 500,
    rampSamples: 400,
    sampleCount: 2000,
    sampleRateHz: 1000,
    frequencyFactor: 0.001,
    frequencyFactorLowered: false,
    frequenciesHz: [1, 2, 3, 4, 5, 6, 7],
    electrodeRangesVolts: Array(7).fill([-0.6, 0.4])
  }
}

describe('sampling form', () => {
  it('turns the text into a request, leaving empty advanced fields to the defaults', () => {
    expect(samplingRequestOf({ durationSeconds: ' 20 ', chunkSeconds: '', frequencyFactor: '' })).toEqual({
      ok: true,
      request: { durationSeconds: 20 }
    })
    expect(samplingRequestOf({ durationSeconds: '20', chunkSeconds: '0.25', frequencyFactor: '0.0005' })).toEqual({
      ok: true,
      request: { durationSeconds: 20, chunkSeconds: 0.25, frequencyFactor: 0.0005 }
    })
  })

  it('names every field that is wrong and why', () => {
    expect(samplingRequestOf({ durationSeconds: 'abc', chunkSeconds: '-1', frequencyFactor: '0.9' })).toEqual({
      ok: false,
      errors: {
        durationSeconds: 'The duration must be a number, got "abc"',
        chunkSeconds: 'The chunk length must be more than 0 s',
        frequencyFactor: 'The frequency factor must be at most 0.05'
      }
    })
    expect(samplingRequestOf({ durationSeconds: '', chunkSeconds: '61', frequencyFactor: '' })).toEqual({
      ok: false,
      errors: {
        durationSeconds: 'The duration must be a number, got ""',
        chunkSeconds: 'The chunk length must be at most 60 s'
      }
    })
  })

  it('disables Start with the first reason: a session running, bad settings, no plan yet, a refusal', () => {
    const good = samplingRequestOf({ durationSeconds: '20', chunkSeconds: '', frequencyFactor: '' })
    expect(startBlockedReason(good, plan, false)).toBeNull()
    expect(startBlockedReason(good, plan, true)).toBe('A sampling session is in progress')
    expect(
      startBlockedReason(
        samplingRequestOf({ durationSeconds: '0', chunkSeconds: '', frequencyFactor: '' }),
        plan,
        false
      )
    ).toBe('Correct the settings first')
    expect(startBlockedReason(good, null, false)).toBe('Working out the plan…')
    const refused = { ...plan, refusals: ['cannot sample the device: no instrument is connected', 'other'] }
    expect(startBlockedReason(good, refused, false)).toBe('cannot sample the device: no instrument is connected')
  })

  it('offers Resume on interrupted and paused datasets only; links complete ones to training', () => {
    expect(['sampling', 'paused', 'interrupted', 'complete'].map((s) => canResume(s as never))).toEqual([
      false,
      true,
      true,
      false
    ])
    expect(trainLinkOf(12)).toBe('#models?train=12')
  })

  it('formats the time left', () => {
    expect(formatEta(null)).toBe('—')
    expect(formatEta(41.2)).toBe('42 s')
    expect(formatEta(65)).toBe('1 min 05 s')
    expect(formatEta(3720)).toBe('1 h 02 min')
  })
})
