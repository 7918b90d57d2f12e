/**
 * Hostile model files uploaded through the contract (what the Models view sends, over IPC or the
 * browser mode's WebSocket), read by the app's own worker-backed reader: each is answered with a
 * refusal naming the limit, the store is unchanged, and the services go on serving.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { HOSTILE_FILES } from '../core/torch-file/__fixtures__/hostile-files'
import { createSurrogateFileReader } from '../workers/surrogate-reader'
import { bundleWorker, type BundledWorker } from '../workers/__fixtures__/bundle-worker'
import { createRequestHandler, type RequestHandler } from './request-handler'
import { inProcessTrainer, servicesOnTempFolder } from './test-support'
import type { AppServices } from './app-services'

const fixtures = resolve(import.meta.dirname, '..', 'core', 'torch-file', '__fixtures__')

let bundled: BundledWorker | null = null
let cleanup: (() => Promise<void>) | null = null

beforeAll(async () => {
  bundled = await bundleWorker(resolve(import.meta.dirname, '..', 'workers', 'surrogate-reader-worker.ts'))
})

afterAll(() => {
  bundled?.remove()
})

afterEach(async () => {
  await cleanup?.()
  cleanup = null
})

async function setUp(): Promise<{ services: AppServices; handle: RequestHandler }> {
  const file = bundled!.file
  const env = await servicesOnTempFolder(inProcessTrainer, {
    readSurrogateFile: createSurrogateFileReader({ spawnWorker: (options) => new Worker(file, options) })
  })
  cleanup = env.cleanup
  return { services: env.services, handle: createRequestHandler(env.services) }
}

function upload(handle: RequestHandler, fileName: string, bytes: Uint8Array) {
  return handle('models:import', { fileName, contentBase64: Buffer.from(bytes).toString('base64') })
}

/** Every stored model, as the store holds it (the models table behind the catalog). */
function storedModels(services: AppServices): unknown[] {
  return services.models.ids().map((id) => services.models.get(id))
}

describe('uploading a hostile model file', () => {
  it('answers each with a refusal naming the limit and keeps the store as it was', async () => {
    const { services, handle } = await setUp()
    expect(await upload(handle, 'small-tanh.pt', readFileSync(resolve(fixtures, 'small-tanh.pt')))).toMatchObject({
      ok: true
    })
    const before = storedModels(services)
    for (const name of [
      'none-flood',
      'mark-flood',
      'deflate-bomb-lying',
      'shared-storage-tensors',
      'self-referencing-persistent-id'
    ]) {
      const hostile = HOSTILE_FILES[name]
      const answer = await upload(handle, `${name}.pt`, hostile.build())
      expect(answer.ok, name).toBe(false)
      const error = (answer as { error: string }).error
      expect(error.startsWith('models:import: PyTorch surrogate file: '), error).toBe(true)
      expect(error.slice('models:import: PyTorch surrogate file: '.length)).toMatch(hostile.refusal)
      expect(storedModels(services)).toEqual(before)
    }
    // Still serving: a good file after the hostile ones imports as usual.
    expect(await upload(handle, 'small-elu.pt', readFileSync(resolve(fixtures, 'small-elu.pt')))).toMatchObject({
      ok: true,
      value: { model: { id: '2', activation: 'elu' }, alreadyImported: false }
    })
  })

  it('reads uploads that arrive together each in its own thread', async () => {
    const { services, handle } = await setUp()
    const [flood, good, bomb] = await Promise.all([
      upload(handle, 'flood.pt', HOSTILE_FILES['stack-flood'].build()),
      upload(handle, 'small-tanh.pt', readFileSync(resolve(fixtures, 'small-tanh.pt'))),
      upload(handle, 'bomb.pt', HOSTILE_FILES['storage-bomb-lying'].build())
    ])
    expect(flood).toMatchObject({ ok: false, error: expect.stringMatching(HOSTILE_FILES['stack-flood'].refusal) })
    expect(good).toMatchObject({ ok: true, value: { model: { id: '1', activation: 'tanh' } } })
    expect(bomb).toMatchObject({
      ok: false,
      error: expect.stringMatching(/archive\/data\/0 inflates to more than the 84 bytes/)
    })
    expect(services.models.ids()).toEqual(['demo', '1'])
  })
})
