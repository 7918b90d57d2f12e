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

  it("compares runs and gives a stored run's config to run again (runs:compare, runs:rerun-config)", async () => {
    const env = await servicesOnTempFolder()
    cleanup = env.cleanup
    const handle = createRequestHandler(env.services)
    const xor = { ...DEFAULT_GA_CONFIG, modelId: 'demo', generations: 2, stopThreshold: 1.5 }
    const runIds: number[] = []
    for (const seed of [1, 2]) {
      const started = await handle('training:start', { ...xor, seed })
      if (!started.ok) throw new Error(started.error)
      runIds.push((started.value as { runId: number }).runId)
      await env.services.training.whenIdle()
    }

    const compared = await handle('runs:compare', { runIds })
    expect(compared).toMatchObject({
      ok: true,
      value: { runs: [{ id: runIds[0] }, { id: runIds[1] }], differences: [{ key: 'seed', values: [1, 2] }] }
    })
    expect(await handle('runs:compare', { runIds: [runIds[0]] })).toEqual({
      ok: false,
      error: 'runs:compare: invalid request: runIds: Too small: expected array to have >=2 items'
    })
    expect(await handle('runs:compare', { runIds: [runIds[0], runIds[0]] })).toEqual({
      ok: false,
      error: `runs:compare: runIds: run ${runIds[0]} given more than once`
    })
    expect(await handle('runs:compare', { runIds: [runIds[0], 77] })).toEqual({
      ok: false,
      error: 'runs:compare: runIds: no run 77'
    })

    expect(await handle('runs:rerun-config', { runId: runIds[1] })).toEqual({ ok: true, value: { ...xor, seed: 2 } })
    expect(await handle('runs:rerun-config', { runId: runIds[1], seed: 5 })).toEqual({
      ok: true,
      value: { ...xor, seed: 5 }
    })
    expect(await handle('runs:rerun-config', { runId: runIds[1], newSeed: true })).toEqual({ ok: true, value: xor })
    expect(await handle('runs:rerun-config', { runId: 77 })).toEqual({
      ok: false,
      error: 'runs:rerun-config: runId: no run 77'
    })
    expect(await handle('runs:rerun-config', { runId: runIds[1], seed: 5, newSeed: true })).toEqual({
      ok: false,
      error: 'runs:rerun-config: invalid request: seed: give a seed or newSeed, not both'
    })
  })
})
