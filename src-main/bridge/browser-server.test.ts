import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { WsServerMessage } from '../../src-shared/ipc'
import type { EventSink } from '../services/event-forwarding'
import { startBrowserServer, type BrowserServer } from './browser-server'

let server: BrowserServer
let rendererFolder: string
let emit: EventSink

beforeAll(async () => {
  rendererFolder = mkdtempSync(join(tmpdir(), 'dnpu-renderer-'))
  writeFileSync(join(rendererFolder, 'index.html'), '<!doctype html><title>DNPU Lab</title>')
  server = await startBrowserServer({
    rendererFolder,
    port: 0,
    handleRequest: async (channel, request) =>
      channel === 'runs:list'
        ? { ok: true, value: [] }
        : { ok: false, error: `refused ${String(channel)} ${JSON.stringify(request)}` },
    subscribe: (sink) => {
      emit = sink
      return () => undefined
    }
  })
})

afterAll(async () => {
  await server.close()
  rmSync(rendererFolder, { recursive: true, force: true })
})

function connect(path: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, origin ? { origin } : {})
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)))
    ws.once('error', reject)
  })
}

function nextMessage(ws: WebSocket): Promise<WsServerMessage> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()) as WsServerMessage)))
}

describe('browser-mode server', () => {
  it('prints a loopback URL with a fresh token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[\\w-]{20,}$`))
  })

  it('serves the renderer with a Content-Security-Policy and refuses path traversal', async () => {
    const page = await fetch(`http://127.0.0.1:${server.port}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await page.text()).toContain('DNPU Lab')
    const escape = await fetch(`http://127.0.0.1:${server.port}/..%2f..%2fetc%2fpasswd`)
    expect([403, 404]).toContain(escape.status)
    expect((await fetch(`http://127.0.0.1:${server.port}/missing.js`)).status).toBe(404)
  })

  it('refuses WebSocket connections without the token, with a wrong token, or from another origin', async () => {
    const origin = `http://127.0.0.1:${server.port}`
    await expect(connect('/ws', origin)).rejects.toThrow('HTTP 401')
    await expect(connect('/ws?token=wrong', origin)).rejects.toThrow('HTTP 401')
    await expect(connect(`/ws?token=${server.token}`, 'http://evil.example')).rejects.toThrow('HTTP 403')
    await expect(connect(`/ws?token=${server.token}`)).rejects.toThrow('HTTP 403')
  })

  it('answers requests and forwards events over an accepted connection', async () => {
    const ws = await connect(`/ws?token=${server.token}`, `http://127.0.0.1:${server.port}`)
    ws.send(JSON.stringify({ kind: 'request', id: 7, channel: 'runs:list', request: {} }))
    expect(await nextMessage(ws)).toEqual({ kind: 'response', id: 7, envelope: { ok: true, value: [] } })
    ws.send(JSON.stringify({ kind: 'request', id: 8, channel: 'runs:get', request: { runId: 'x' } }))
    expect(await nextMessage(ws)).toEqual({
      kind: 'response',
      id: 8,
      envelope: { ok: false, error: 'refused runs:get {"runId":"x"}' }
    })
    const event = nextMessage(ws)
    emit('training:finished', { runId: 1, status: 'completed', error: null })
    expect(await event).toEqual({
      kind: 'event',
      event: 'training:finished',
      payload: { runId: 1, status: 'completed', error: null }
    })
    ws.close()
  })
})
