import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APP_INDEX_URL,
  APP_ORIGIN,
  APP_SCHEME_PRIVILEGES,
  contentTypeFor,
  createAppProtocolHandler,
  resolveAppPath
} from './app-protocol'

// A parent folder with a secret beside the served folder, so an escape would find something.
let parent: string
let root: string
let handler: ReturnType<typeof createAppProtocolHandler>

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'dnpu-app-protocol-'))
  root = join(parent, 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  mkdirSync(join(root, 'sub dir'))
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>DNPU Lab</title>')
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)')
  writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}')
  writeFileSync(join(root, 'assets', 'logo.svg'), '<svg/>')
  writeFileSync(join(root, 'assets', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
  writeFileSync(join(root, 'assets', 'kernel.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]))
  writeFileSync(join(root, 'assets', 'data.json'), '{}')
  writeFileSync(join(root, 'assets', 'font.woff2'), 'wOF2')
  writeFileSync(join(root, 'assets', 'blob.bin'), 'x')
  writeFileSync(join(root, 'sub dir', 'a b.js'), 'spaced')
  writeFileSync(join(parent, 'secret.txt'), 'SECRET')
  writeFileSync(join(parent, 'renderer-evil.txt'), 'SECRET')
  try {
    // A link inside the folder pointing out of it (skipped where links cannot be made).
    symlinkSync(join(parent, 'secret.txt'), join(root, 'assets', 'link.txt'))
  } catch {
    /* no symlinks here */
  }
  handler = createAppProtocolHandler(root)
})

afterAll(() => rmSync(parent, { recursive: true, force: true }))

async function get(url: string, method = 'GET'): Promise<{ status: number; type: string | null; body: string }> {
  const response = await handler({ url, method })
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() }
}

describe('the app:// scheme', () => {
  it('is registered standard, secure and fetch-capable, and not CORS-readable by other origins', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }
    ])
    expect(APP_ORIGIN).toBe('app://dnpu-lab')
    expect(APP_INDEX_URL).toBe('app://dnpu-lab/index.html')
  })
})

describe('createAppProtocolHandler: files inside the folder', () => {
  it('serves index.html, also for the bare origin', async () => {
    for (const url of [APP_INDEX_URL, `${APP_ORIGIN}/`, `${APP_INDEX_URL}?x=1#training`, `${APP_ORIGIN}/#models`]) {
      const response = await get(url)
      expect(response.status, url).toBe(200)
      expect(response.type).toBe('text/html; charset=utf-8')
      expect(response.body).toContain('DNPU Lab')
    }
  })

  it.each([
    ['assets/index-abc.js', 'text/javascript; charset=utf-8'],
    ['assets/index-abc.css', 'text/css; charset=utf-8'],
    ['assets/logo.svg', 'image/svg+xml'],
    ['assets/logo.png', 'image/png'],
    ['assets/kernel.wasm', 'application/wasm'],
    ['assets/data.json', 'application/json'],
    ['assets/font.woff2', 'font/woff2'],
    ['assets/blob.bin', 'application/octet-stream']
  ])('serves %s as %s', async (path, type) => {
    const response = await get(`${APP_ORIGIN}/${path}`)
    expect(response.status).toBe(200)
    expect(response.type).toBe(type)
  })

  it('decodes percent-escapes in names that are inside', async () => {
    const response = await get(`${APP_ORIGIN}/sub%20dir/a%20b.js`)
    expect(response).toMatchObject({ status: 200, body: 'spaced' })
  })

  it('answers HEAD without a body and with the length', async () => {
    const response = await handler({ url: `${APP_ORIGIN}/assets/index-abc.js`, method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-length')).toBe('14')
    expect(await response.text()).toBe('')
  })

  it('refuses other methods with 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      expect((await get(APP_INDEX_URL, method)).status, method).toBe(405)
    }
  })

  it('says 404 for a missing file, a folder, and a name with %-encoded slashes that does not exist', async () => {
    expect((await get(`${APP_ORIGIN}/missing.js`)).status).toBe(404)
    expect((await get(`${APP_ORIGIN}/assets`)).status).toBe(404)
    expect((await get(`${APP_ORIGIN}/assets/`)).status).toBe(400)
    expect((await get(`${APP_ORIGIN}/assets%2Fmissing.js`)).status).toBe(404)
    // Double encoding decodes once, to a literal file name `%2e%2e` that does not exist.
    expect((await get(`${APP_ORIGIN}/%252e%252e/secret.txt`)).status).toBe(404)
  })

  it('does not follow a symbolic link out of the folder', async () => {
    const response = await get(`${APP_ORIGIN}/assets/link.txt`)
    expect(response.body).not.toContain('SECRET')
    expect([403, 404]).toContain(response.status)
  })
})

describe('createAppProtocolHandler: nothing outside the folder is ever served', () => {
  const escapes = [
    '../secret.txt',
    '../../secret.txt',
    'assets/../../secret.txt',
    '..%2fsecret.txt',
    '..%2Fsecret.txt',
    '%2e%2e/secret.txt',
    '%2E%2E/secret.txt',
    '%2e%2e%2fsecret.txt',
    '.%2e/secret.txt',
    '%2e./secret.txt',
    'assets/%2e%2e/%2e%2e/secret.txt',
    './index.html',
    '%2e/index.html',
    '..\\secret.txt',
    '..%5csecret.txt',
    '..%5Csecret.txt',
    'assets\\..\\..\\secret.txt',
    '/etc/passwd',
    '%2fetc%2fpasswd',
    '%2F%2Fserver%2Fshare%2Ffile',
    '//server/share/file',
    'C:/Windows/win.ini',
    'C%3A%5CWindows%5Cwin.ini',
    'index.html::$DATA',
    'index.html%00.js',
    'index.html\u0000.js',
    '%00',
    'assets/index-abc.js%0a',
    '.. /secret.txt',
    '.../secret.txt',
    'index.html.',
    '..%c0%afsecret.txt',
    '%',
    '%zz',
    '%e0%a4%a'
  ]

  it.each(escapes)('refuses %j', async (path) => {
    const response = await get(`${APP_ORIGIN}/${path}`)
    expect(response.body).not.toContain('SECRET')
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
  })

  it.each([
    'app://other-host/index.html',
    'app://dnpu-lab.evil/index.html',
    'app://DNPU-LAB/index.html',
    'app://dnpu-lab:8080/index.html',
    'app://user@dnpu-lab/index.html',
    'app://dnpu-lab@evil/index.html',
    'app:/dnpu-lab/index.html',
    'app:dnpu-lab/index.html',
    'file:///etc/passwd',
    'https://dnpu-lab/index.html',
    'app://dnpu-lab',
    ''
  ])('refuses the address %j (not our fixed host)', async (url) => {
    const response = await get(url)
    expect(response.status).toBe(404)
    expect(response.body).not.toContain('DNPU Lab')
  })
})

describe('resolveAppPath', () => {
  it('maps onto the folder without touching the disk', () => {
    expect(resolveAppPath('/srv/renderer', `${APP_ORIGIN}/assets/x.js`)).toEqual({
      kind: 'file',
      file: join('/srv/renderer', 'assets', 'x.js')
    })
    expect(resolveAppPath('/srv/renderer', `${APP_ORIGIN}/`)).toEqual({
      kind: 'file',
      file: join('/srv/renderer', 'index.html')
    })
  })

  it('says why it refuses', () => {
    expect(resolveAppPath('/srv/renderer', `${APP_ORIGIN}/%2e%2e/x`)).toMatchObject({ kind: 'refused', status: 403 })
    expect(resolveAppPath('/srv/renderer', `${APP_ORIGIN}/%zz`)).toMatchObject({
      kind: 'refused',
      status: 400,
      reason: 'malformed %-escape'
    })
  })
})

describe('contentTypeFor', () => {
  it('is case-insensitive on the extension and defaults to bytes', () => {
    expect(contentTypeFor('INDEX.HTML')).toBe('text/html; charset=utf-8')
    expect(contentTypeFor('a.mjs')).toBe('text/javascript; charset=utf-8')
    expect(contentTypeFor('noext')).toBe('application/octet-stream')
  })
})
