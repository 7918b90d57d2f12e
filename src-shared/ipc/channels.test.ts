import { describe, expect, it } from 'vitest'
import { API_METHODS, DEFAULT_GA_CONFIG, channels, isChannel, parseRequest } from '.'

const valid = { ...DEFAULT_GA_CONFIG, modelId: 'demo' }

describe('contract request validation', () => {
  it('accepts the default XOR preset', () => {
    const parsed = parseRequest('training:start', valid)
    expect(parsed).toEqual({ ok: true, value: valid })
  })

  it.each([
    [{ ...valid, partition: [4, 0] }, 'partition.1'],
    [{ ...valid, partition: [4] }, 'partition'],
    [{ ...valid, generations: 0 }, 'generations'],
    [{ ...valid, generations: 2.5 }, 'generations'],
    [{ ...valid, task: 'xorr' }, 'task'],
    [{ ...valid, task: 'gate:012' }, 'task'],
    [{ ...valid, dataElectrodes: [1, 1] }, 'dataElectrodes'],
    [{ ...valid, dataElectrodes: [1, 2, 3] }, 'dataElectrodes'],
    [{ ...valid, inputRange: [1, -1] }, 'inputRange'],
    [{ ...valid, fitness: 'fisher' }, 'fitness'],
    [{ ...valid, stopThreshold: Number.NaN }, 'stopThreshold'],
    [{ ...valid, seed: -1 }, 'seed'],
    [{ ...valid, modelId: '' }, 'modelId'],
    [{ ...valid, unexpected: true }, 'unexpected'],
    [{ ...valid, algorithm: 'sa' }, 'algorithm']
  ])('refuses %j naming %s', (request, field) => {
    const parsed = parseRequest('training:start', request)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) {
      expect(parsed.error).toMatch(/^training:start: invalid request: /)
      expect(parsed.error).toContain(field)
    }
  })

  it('refuses a missing field by name', () => {
    const { partition: _partition, ...withoutPartition } = valid
    const parsed = parseRequest('training:start', withoutPartition)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.error).toContain('partition')
  })

  it('refuses non-object requests and bad run ids', () => {
    const notObject = parseRequest('runs:get', 'run 1')
    expect(notObject.ok).toBe(false)
    const badId = parseRequest('runs:get', { runId: 0 })
    expect(badId.ok).toBe(false)
    if (!badId.ok) expect(badId.error).toContain('runId')
    expect(parseRequest('runs:get', { runId: 3 })).toEqual({ ok: true, value: { runId: 3 } })
  })

  it('knows exactly its channels', () => {
    expect(isChannel('runs:list')).toBe(true)
    expect(isChannel('runs:delete')).toBe(true)
    expect(isChannel('runs:explode')).toBe(false)
    expect(isChannel('toString')).toBe(false)
    for (const channel of Object.values(API_METHODS)) expect(Object.keys(channels)).toContain(channel)
  })

  it('bounds per-electrode lists and names only the first few problems of a hostile request', () => {
    const tooMany = parseRequest('calibration:run', { electrodes: Array.from({ length: 65 }, (_, i) => i) })
    expect(tooMany.ok).toBe(false)
    if (!tooMany.ok) expect(tooMany.error).toMatch(/^calibration:run: invalid request: electrodes: Too big/)
    const wrongEverywhere = parseRequest('calibration:run', { electrodes: Array.from({ length: 60 }, () => 'x') })
    expect(wrongEverywhere.ok).toBe(false)
    if (!wrongEverywhere.ok) {
      expect(wrongEverywhere.error.split('; ')).toHaveLength(5)
      expect(wrongEverywhere.error).toMatch(/\(and 55 more problems\)$/)
    }
  })
})
