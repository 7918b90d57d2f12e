import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_GA_CONFIG } from '../../src-shared/ipc'
import { createRequestHandler } from './request-handler'
import { servicesOnTempFolder } from './test-support'

let cleanup: (() => Promise<void>) | null = null
afterEach(async () => {
  await cleanup?.()
  cleanup = null
})

describe('request handler', () => {
  it('answers valid requests and refuses bad ones with the offending field named', async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const handle = createRequestHandler(env.services)

    const info = await handle('app:info', {})
    expect(info).toMatchObject({ ok: true, value: { dataFolder: env.dataFolder, version: '0.0.0-test' } })
    const models = await handle('models:list', {})
    expect(models).toMatchObject({ ok: true, value: [{ id: 'demo', inputCount: 7, amplification: 28.5 }] })

    expect(await handle('runs:explode', {})).toEqual({ ok: false, error: 'unknown channel "runs:explode"' })
    const bad = await handle('training:start', { ...DEFAULT_GA_CONFIG, modelId: 'demo', partition: [4, -2] })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error).toMatch(/^training:start: invalid request: partition\.1: /)
    const missing = await handle('runs:get', { runId: 42 })
    expect(missing).toEqual({ ok: false, error: 'runs:get: runId: no run 42' })
    expect(await handle('runs:list', {})).toEqual({ ok: true, value: [] })
    expect(await handle('training:active', {})).toEqual({ ok: true, value: { runId: null, paused: false } })
    expect(await handle('measurements:get', { measurementId: 9 })).toEqual({
      ok: false,
      error: 'measurements:get: measurementId: no measurement 9'
    })
    expect(await handle('measurements:export-csv', { measurementId: 9 })).toEqual({
      ok: false,
      error: 'measurements:export-csv: measurementId: no measurement 9'
    })
    expect(await handle('models:export', { modelId: 'nope' })).toEqual({
      ok: false,
      error: 'models:export: modelId: no model "nope"'
    })
  })
})
