import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_GA_CONFIG } from '../../src-shared/ipc'
import { parseSurrogateJson } from '../core'
import { ModelCatalog } from './model-catalog'
import { createRequestHandler } from './request-handler'
import { RESOURCES_FOLDER, servicesOnTempFolder } from './test-support'

const fixtures = resolve(import.meta.dirname, '..', 'core', 'torch-file', '__fixtures__')
const readFixture = (name: string): Buffer => readFileSync(resolve(fixtures, name))

let cleanup: (() => Promise<void>) | null = null
afterEach(async () => {
  await cleanup?.()
  cleanup = null
})

async function setUp() {
  const env = await servicesOnTempFolder()
  cleanup = env.cleanup
  return env.services
}

describe('model catalog', () => {
  it('ships the demo device imported from its .pt file', async () => {
    const services = await setUp()
    expect(services.models.list()).toMatchObject([
      {
        id: 'demo',
        source: 'bundled',
        sourceFileName: 'demo-surrogate.pt',
        hiddenSizes: [90, 90, 90, 90, 90],
        amplification: 28.5,
        clippingValueNanoamps: [-109.2, 101.1],
        warnings: []
      }
    ])
  })

  it('imports a lab file, recognises a re-import by hash, and survives a restart of the store', async () => {
    const services = await setUp()
    const first = await services.models.importFile('/lab/small-tanh.pt', readFixture('small-tanh.pt'), {
      name: 'Chip 7'
    })
    expect(first).toMatchObject({
      alreadyImported: false,
      warnings: [],
      model: { id: '1', name: 'Chip 7', source: 'imported', sourceFileName: 'small-tanh.pt', activation: 'tanh' }
    })
    const again = await services.models.importFile('elsewhere.pt', readFixture('small-tanh.pt'))
    expect(again).toMatchObject({ alreadyImported: true, model: { id: '1' } })
    const defaults = await services.models.importFile('defaults-missing.pt', readFixture('defaults-missing.pt'))
    expect(defaults.model.name).toBe('defaults-missing')
    expect(defaults.warnings).toHaveLength(2)
    expect(services.models.get('2')?.summary.warnings).toEqual(defaults.warnings)
    expect(services.models.ids()).toEqual(['demo', '1', '2'])
  })

  it('refuses a damaged or malicious file and stores nothing', async () => {
    const services = await setUp()
    const bytes = readFixture('small-tanh.pt')
    await expect(services.models.importFile('cut.pt', bytes.subarray(0, 3000))).rejects.toThrow(/truncated or damaged/)
    await expect(services.models.importFile('text.pt', Buffer.from('hello'))).rejects.toThrow(/not a PyTorch file/)
    expect(services.models.list().map((m) => m.id)).toEqual(['demo'])
  })

  it('trains on an imported model, then refuses to delete it while the run refers to it', async () => {
    const services = await setUp()
    const { model } = await services.models.importFile('small-tanh.pt', readFixture('small-tanh.pt'))
    const finished = new Promise((resolveFinished) => services.training.once('finished', resolveFinished))
    const { runId } = services.training.start({ ...DEFAULT_GA_CONFIG, modelId: model.id, generations: 3, seed: 2 })
    await finished
    expect(services.runs.getRun(runId)).toMatchObject({ status: 'completed', modelId: model.id, generations: 3 })
    expect(() => services.models.delete(model.id)).toThrow(`model ${model.id} is used by run ${runId}`)
    expect(services.models.get(model.id)).toBeDefined()
    expect(services.models.rename(model.id, 'Renamed').name).toBe('Renamed')
    // The catalog refuses the model in the Simulated DNPU first (the demo, by default): take it out.
    await services.device.useSimulatorModel(model.id)
    expect(() => services.models.delete('demo')).toThrow('cannot be deleted')
  })

  it('serves import, export, IV curves and delete over the contract', async () => {
    const services = await setUp()
    const handle = createRequestHandler(services)
    const imported = await handle('models:import', {
      fileName: 'small-elu.pt',
      contentBase64: readFixture('small-elu.pt').toString('base64')
    })
    expect(imported).toMatchObject({ ok: true, value: { model: { id: '1', activation: 'elu' } } })
    const exported = await handle('models:export', { modelId: '1' })
    if (!exported.ok) throw new Error(exported.error)
    const { json, fileName } = exported.value as { json: string; fileName: string }
    expect(fileName).toBe('small-elu.json')
    expect(parseSurrogateJson(JSON.parse(json))).toEqual(services.models.get('1')!.definition)
    const iv = await handle('models:iv-curves', { modelId: 'demo', pointsPerElectrode: 11 })
    if (!iv.ok) throw new Error(iv.error)
    const { curves } = iv.value as {
      curves: { electrode: number; voltagesVolts: number[]; currentsNanoamps: number[] }[]
    }
    expect(curves).toHaveLength(7)
    expect(curves[2].voltagesVolts[0]).toBeCloseTo(-1)
    expect(curves[2].voltagesVolts[10]).toBeCloseTo(0.6)
    // Spot-check against the model itself: electrode 2 at its minimum, others at 0 V.
    const reference = new (await import('../core')).SurrogateModel(services.models.get('demo')!.definition)
    expect(curves[2].currentsNanoamps[0]).toBeCloseTo(
      reference.forwardNanoampsReference([[0, 0, -1, 0, 0, 0, 0]])[0][0],
      3
    )
    reference.dispose()
    const bad = await handle('models:import', { fileName: 'x.pt', contentBase64: 'not base64!' })
    expect(bad).toMatchObject({ ok: false, error: expect.stringContaining('contentBase64') })
    expect(await handle('models:delete', { modelId: '1' })).toEqual({ ok: true, value: { modelId: '1' } })
  })
})

describe('model catalog rules (shared by the app and the CLI)', () => {
  it('refuses to delete the model the Simulated DNPU plays, before any other rule', async () => {
    let playing = 'demo'
    const catalog = ModelCatalog.withBundledModels(RESOURCES_FOLDER, null, null, () => playing)
    expect(() => catalog.delete('demo')).toThrow(
      new Error("model demo is the Simulated DNPU's device: put another model in it first")
    )
    playing = '3'
    expect(() => catalog.delete('3')).toThrow(
      new Error("model 3 is the Simulated DNPU's device: put another model in it first")
    )
    expect(() => catalog.delete('demo')).toThrow(new Error('id: the bundled model "demo" cannot be deleted'))
  })

  it('refuses over the contract to delete the model in the simulator, and deletes it once another plays', async () => {
    const services = await setUp()
    const handle = createRequestHandler(services)
    const { model } = await services.models.importFile('small-tanh.pt', readFixture('small-tanh.pt'))
    await services.device.useSimulatorModel(model.id)
    expect(await handle('models:delete', { modelId: model.id })).toEqual({
      ok: false,
      error: `models:delete: model ${model.id} is the Simulated DNPU's device: put another model in it first`
    })
    await services.device.useSimulatorModel('demo')
    expect(await handle('models:delete', { modelId: model.id })).toEqual({ ok: true, value: { modelId: model.id } })
  })

  it('names the export after the model, file-name safe, and refuses an unknown model', () => {
    const catalog = ModelCatalog.withBundledModels(RESOURCES_FOLDER)
    const { fileName, json } = catalog.exportFile('demo')
    expect(fileName).toBe('Demo-DNPU-bundled-surrogate-.json')
    expect(parseSurrogateJson(JSON.parse(json))).toEqual(catalog.get('demo')!.definition)
    expect(() => catalog.exportFile('nope')).toThrow(new Error('modelId: no model "nope"'))
  })
})
