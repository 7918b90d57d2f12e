import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_MODEL_FILE_BYTES, parseRequest, type ModelSummary } from '../../src-shared/ipc'
import type { RequestHandler } from '../services/request-handler'
import {
  importResultMessage,
  importSurrogateFile,
  SurrogateImportQueue,
  surrogatePathsFromArgv,
  type SurrogateImportResult
} from './surrogate-import'

let folder: string
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'dnpu-import-'))
})
afterEach(() => rmSync(folder, { recursive: true, force: true }))

const model = { id: '7', name: 'device A' } as ModelSummary

/** Answers like the real handler: the contract's schema first, then the "service". */
function fakeHandler(answer: (request: { fileName: string; contentBase64: string }) => unknown): RequestHandler {
  return vi.fn(async (channel: unknown, request: unknown) => {
    if (channel !== 'models:import') return { ok: false as const, error: 'wrong channel' }
    const parsed = parseRequest('models:import', request)
    if (!parsed.ok) return parsed
    try {
      return { ok: true as const, value: answer(parsed.value) }
    } catch (error) {
      return { ok: false as const, error: `models:import: ${(error as Error).message}` }
    }
  })
}

describe('surrogatePathsFromArgv', () => {
  it('takes the .pt files, absolute, without the executable, options or duplicates', () => {
    const argv = [
      '/opt/DNPU Lab/dnpu-lab',
      '--no-sandbox',
      '--flag=x.pt',
      'relative/model.pt',
      '/abs/Other.PT',
      '.',
      'notes.txt',
      'relative/model.pt'
    ]
    expect(surrogatePathsFromArgv(argv, '/home/u')).toEqual(['/home/u/relative/model.pt', '/abs/Other.PT'])
    expect(surrogatePathsFromArgv(['/x/model.pt'], '/home/u')).toEqual([])
    expect(surrogatePathsFromArgv([], '/home/u')).toEqual([])
  })
})

describe('importSurrogateFile', () => {
  it('sends the file through models:import and tells the page', async () => {
    const file = join(folder, 'training_data.pt')
    writeFileSync(file, Buffer.from([1, 2, 3, 250]))
    const handleRequest = fakeHandler((request) => {
      expect(request).toEqual({
        fileName: 'training_data.pt',
        contentBase64: Buffer.from([1, 2, 3, 250]).toString('base64')
      })
      return { model, warnings: ['activation: relu'], alreadyImported: false }
    })
    const notify = vi.fn()
    const result = await importSurrogateFile(file, { handleRequest, notify })
    const event = { model, warnings: ['activation: relu'], alreadyImported: false, fileName: 'training_data.pt' }
    expect(result).toEqual({ ok: true, ...event })
    expect(notify).toHaveBeenCalledWith(event)
  })

  it("passes the service's refusal on, and tells the page nothing", async () => {
    const file = join(folder, 'evil.pt')
    writeFileSync(file, 'not a zip')
    const handleRequest = fakeHandler(() => {
      throw new Error('refused: the pickle calls os.system')
    })
    const notify = vi.fn()
    expect(await importSurrogateFile(file, { handleRequest, notify })).toEqual({
      ok: false,
      fileName: 'evil.pt',
      error: 'models:import: refused: the pickle calls os.system'
    })
    expect(notify).not.toHaveBeenCalled()
  })

  it('refuses without asking the service: a missing file, a folder, an empty or too large file', async () => {
    const handleRequest = fakeHandler(() => ({ model, warnings: [], alreadyImported: false }))
    const deps = { handleRequest, notify: vi.fn() }
    const missing = await importSurrogateFile(join(folder, 'missing.pt'), deps)
    expect(missing).toMatchObject({ ok: false, fileName: 'missing.pt' })
    expect(!missing.ok && missing.error).toMatch(/^could not read .*missing\.pt: ENOENT/)

    mkdirSync(join(folder, 'dir.pt'))
    expect(await importSurrogateFile(join(folder, 'dir.pt'), deps)).toMatchObject({ ok: false, error: /is not a file/ })

    writeFileSync(join(folder, 'empty.pt'), '')
    expect(await importSurrogateFile(join(folder, 'empty.pt'), deps)).toEqual({
      ok: false,
      fileName: 'empty.pt',
      error: 'empty.pt is empty.'
    })

    const huge = join(folder, 'huge.pt')
    writeFileSync(huge, '')
    truncateSync(huge, MAX_MODEL_FILE_BYTES + 1) // sparse: no 64 MB written
    expect(await importSurrogateFile(huge, deps)).toEqual({
      ok: false,
      fileName: 'huge.pt',
      error: 'huge.pt is 67,108,865 bytes; model files of up to 67,108,864 bytes (64 MiB) can be imported.'
    })
    expect(handleRequest).not.toHaveBeenCalled()
  })
})

describe('importResultMessage', () => {
  it('says what was imported, with the defaults applied', () => {
    const result: SurrogateImportResult = {
      ok: true,
      fileName: 'a.pt',
      model,
      warnings: ['activation: relu (the default)'],
      alreadyImported: false
    }
    expect(importResultMessage(result)).toEqual({
      type: 'info',
      title: 'Import surrogate',
      message: 'a.pt was imported as model 7, “device A”.',
      detail:
        'It is listed in Models and can be used for training.\n' +
        'The file lacks some settings; these defaults were used:\n• activation: relu (the default)'
    })
  })

  it('says when the file was there already, and why a file was refused', () => {
    const already = importResultMessage({ ok: true, fileName: 'a.pt', model, warnings: [], alreadyImported: true })
    expect(already.message).toBe('a.pt was already imported as model 7, “device A”.')
    expect(already.detail).toBe("This file's contents are stored already; nothing new was added.")
    expect(importResultMessage({ ok: false, fileName: 'b.pt', error: 'refused: too big' })).toEqual({
      type: 'error',
      title: 'Import surrogate',
      message: 'b.pt was not imported.',
      detail: 'refused: too big'
    })
  })
})

describe('SurrogateImportQueue', () => {
  it('holds paths until started, then imports them one at a time in order', async () => {
    const queue = new SurrogateImportQueue(vi.fn())
    queue.add(['/a.pt', '/b.pt'])
    expect(queue.pendingCount).toBe(2)
    const order: string[] = []
    let running = 0
    let maxRunning = 0
    const done = new Promise<void>((resolveDone) => {
      queue.start(async (path) => {
        running += 1
        maxRunning = Math.max(maxRunning, running)
        await new Promise((r) => setTimeout(r, 5))
        order.push(path)
        running -= 1
        if (order.length === 3) resolveDone()
      })
      queue.add(['/c.pt'])
    })
    await done
    expect(order).toEqual(['/a.pt', '/b.pt', '/c.pt'])
    expect(maxRunning).toBe(1)
  })

  it('reports a failed import and goes on with the next', async () => {
    const onError = vi.fn()
    const queue = new SurrogateImportQueue(onError)
    const imported: string[] = []
    queue.start(async (path) => {
      if (path === '/bad.pt') throw new Error('dialog failed')
      imported.push(path)
    })
    queue.add(['/bad.pt', '/good.pt'])
    await vi.waitFor(() => expect(imported).toEqual(['/good.pt']))
    expect(onError).toHaveBeenCalledWith('importing /bad.pt failed: dialog failed')
  })
})
