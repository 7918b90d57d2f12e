import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { importTorchSurrogate } from '../core'
import { createRequestHandler } from './request-handler'
import { servicesOnTempFolder } from './test-support'

const fixtures = resolve(import.meta.dirname, '..', 'core', 'torch-file', '__fixtures__')

let cleanup: (() => Promise<void>) | null = null
afterEach(async () => {
  await cleanup?.()
  cleanup = null
})

async function setUp() {
  const env = await servicesOnTempFolder()
  cleanup = env.cleanup
  return { services: env.services, handle: createRequestHandler(env.services) }
}

describe('models:export-pt', () => {
  it('gives an imported model back as a .pt file that imports as the same model', async () => {
    const { services, handle } = await setUp()
    const imported = await handle('models:import', {
      fileName: 'small-elu.pt',
      contentBase64: readFileSync(resolve(fixtures, 'small-elu.pt')).toString('base64')
    })
    expect(imported).toMatchObject({ ok: true, value: { model: { id: '1' } } })
    await handle('models:rename', { modelId: '1', name: 'Chip 7 / day 2' })

    const exported = await handle('models:export-pt', { modelId: '1' })
    if (!exported.ok) throw new Error(exported.error)
    const { fileName, contentBase64 } = exported.value as { fileName: string; contentBase64: string }
    expect(fileName).toBe('Chip-7-day-2.pt')
    const again = importTorchSurrogate(Buffer.from(contentBase64, 'base64'))
    expect(again.warnings).toEqual([])
    expect(again.definition).toEqual(services.models.get('1')!.definition)

    // Imported through the app, the exported file is a new model with the same weights.
    const reimported = await handle('models:import', { fileName, contentBase64 })
    expect(reimported).toMatchObject({ ok: true, value: { alreadyImported: false, model: { id: '2' } } })
    expect(services.models.get('2')!.definition.layers).toEqual(services.models.get('1')!.definition.layers)
  })

  it('exports the bundled demo model', async () => {
    const { services, handle } = await setUp()
    const exported = await handle('models:export-pt', { modelId: 'demo' })
    if (!exported.ok) throw new Error(exported.error)
    const { fileName, contentBase64 } = exported.value as { fileName: string; contentBase64: string }
    expect(fileName).toBe('Demo-DNPU-bundled-surrogate-.pt')
    expect(importTorchSurrogate(Buffer.from(contentBase64, 'base64')).definition).toEqual(
      services.models.get('demo')!.definition
    )
  })

  it('names the unknown model and the bad field', async () => {
    const { handle } = await setUp()
    expect(await handle('models:export-pt', { modelId: 'nope' })).toEqual({
      ok: false,
      error: 'models:export-pt: modelId: no model "nope"'
    })
    const bad = await handle('models:export-pt', { modelId: 'demo', format: 'pt' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error).toMatch(/^models:export-pt: invalid request: /)
  })
})
