import { describe, expect, it } from 'vitest'
import {
  allowedExternalUrl,
  devServerUrlFor,
  DOCUMENTATION_URL,
  EXTERNAL_LINK_ALLOW_LIST,
  isNavigationAllowed,
  isTrustedSenderUrl,
  rendererOriginsFor,
  windowOpenDecision
} from './web-policy'

const packaged = rendererOriginsFor(null)
const development = rendererOriginsFor('http://localhost:5173/')

describe('devServerUrlFor', () => {
  it('honours ELECTRON_RENDERER_URL only when not packaged', () => {
    expect(devServerUrlFor(false, 'http://localhost:5173')).toBe('http://localhost:5173/')
    expect(devServerUrlFor(true, 'http://localhost:5173')).toBeNull()
    expect(devServerUrlFor(false, undefined)).toBeNull()
    expect(devServerUrlFor(false, '')).toBeNull()
  })

  it('takes only an http(s) address', () => {
    expect(devServerUrlFor(false, 'file:///etc/passwd')).toBeNull()
    expect(devServerUrlFor(false, 'javascript:alert(1)')).toBeNull()
    expect(devServerUrlFor(false, 'not a url')).toBeNull()
  })
})

describe('isTrustedSenderUrl', () => {
  it('trusts the app:// page, any path of it', () => {
    expect(isTrustedSenderUrl('app://dnpu-lab/index.html', packaged)).toBe(true)
    expect(isTrustedSenderUrl('app://dnpu-lab/index.html#training', packaged)).toBe(true)
    expect(isTrustedSenderUrl('app://dnpu-lab/', packaged)).toBe(true)
  })

  it.each([
    'file:///work/out/renderer/index.html',
    'app://other/index.html',
    'app://dnpu-lab.evil/index.html',
    'app://user@dnpu-lab/index.html',
    'app://dnpu-lab:1234/index.html',
    'http://localhost:5173/',
    'https://github.com/BraiNEdarwin/brains-py',
    'about:blank',
    'data:text/html,hi',
    'devtools://devtools/bundled/inspector.html',
    'chrome-extension://abc/',
    '',
    'not a url'
  ])('does not trust %j in a packaged app', (url) => {
    expect(isTrustedSenderUrl(url, packaged)).toBe(false)
  })

  it('trusts the dev server origin in development, and only its origin', () => {
    expect(isTrustedSenderUrl('http://localhost:5173/#models', development)).toBe(true)
    expect(isTrustedSenderUrl('http://localhost:5174/', development)).toBe(false)
    expect(isTrustedSenderUrl('https://localhost:5173/', development)).toBe(false)
    expect(isTrustedSenderUrl('http://127.0.0.1:5173/', development)).toBe(false)
  })

  it('does not trust a frame without an address', () => {
    expect(isTrustedSenderUrl(null, packaged)).toBe(false)
    expect(isTrustedSenderUrl(undefined, packaged)).toBe(false)
  })
})

describe('isNavigationAllowed', () => {
  it('allows only the app itself (and the dev server in development)', () => {
    expect(isNavigationAllowed('app://dnpu-lab/index.html', packaged)).toBe(true)
    expect(isNavigationAllowed('http://localhost:5173/', development)).toBe(true)
    for (const url of [
      'http://localhost:5173/',
      'https://github.com/BraiNEdarwin/brains-py',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'app://evil/index.html',
      'about:blank'
    ]) {
      expect(isNavigationAllowed(url, packaged), url).toBe(false)
    }
  })
})

describe('allowedExternalUrl', () => {
  it('allows the documentation link and every allow-listed address and the pages under it', () => {
    expect(allowedExternalUrl(DOCUMENTATION_URL)).toBe(DOCUMENTATION_URL)
    for (const entry of EXTERNAL_LINK_ALLOW_LIST) {
      expect(allowedExternalUrl(entry)).toBe(entry)
      expect(allowedExternalUrl(`${entry}/blob/main/README.md#usage`)).toBe(`${entry}/blob/main/README.md#usage`)
    }
    // The host's letters' case does not change the host.
    expect(allowedExternalUrl('https://GitHub.com/BraiNEdarwin/brains-py')).toBe(
      'https://github.com/BraiNEdarwin/brains-py'
    )
  })

  it.each([
    // other schemes
    'http://github.com/BraiNEdarwin/brains-py',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'app://dnpu-lab/index.html',
    'ms-settings:privacy',
    'smb://github.com/BraiNEdarwin/brains-py',
    'vscode://file/etc/passwd',
    'ftp://github.com/BraiNEdarwin/brains-py',
    // look-alike hosts
    'https://github.com.evil.example/BraiNEdarwin/brains-py',
    'https://evil-github.com/BraiNEdarwin/brains-py',
    'https://github.com./BraiNEdarwin/brains-py',
    'https://gist.github.com/BraiNEdarwin/brains-py',
    'https://xn--gthub-n4a.com/BraiNEdarwin/brains-py',
    'https://gіthub.com/BraiNEdarwin/brains-py',
    // user info and ports
    'https://github.com@evil.example/BraiNEdarwin/brains-py',
    'https://github.com:pass@evil.example/BraiNEdarwin/brains-py',
    'https://user@github.com/BraiNEdarwin/brains-py',
    'https://github.com:8443/BraiNEdarwin/brains-py',
    'https://evil.example#@github.com/BraiNEdarwin/brains-py',
    'https://evil.example?@github.com/BraiNEdarwin/brains-py',
    // paths that are not under an allowed one
    'https://github.com/',
    'https://github.com/BraiNEdarwin',
    'https://github.com/BraiNEdarwin/brains-py-evil',
    'https://github.com/BraiNEdarwin/brains-pyx/wiki',
    'https://github.com/evil/brains-py',
    'https://github.com/BraiNEdarwin/brains-py/../../evil/repo',
    'https://github.com/BraiNEdarwin/brains-py/%2e%2e/%2e%2e/evil/repo',
    'https://github.com/BraiNEdarwin/brains-py%2F..%2F..%2Fevil',
    // characters parsers disagree on
    'https://github.com\\@evil.example/BraiNEdarwin/brains-py',
    'https://github.com/BraiNEdarwin/brains-py\\..\\..\\evil',
    ' https://github.com/BraiNEdarwin/brains-py',
    'https://github.com/BraiNEdarwin/brains-py\n',
    'https://github.com/Brai\tNEdarwin/brains-py',
    'https://github.com/BraiNEdarwin/brains-py\u0000',
    // not addresses
    '',
    'github.com/BraiNEdarwin/brains-py',
    '//github.com/BraiNEdarwin/brains-py'
  ])('refuses %j', (url) => {
    expect(allowedExternalUrl(url)).toBeNull()
  })
})

describe('windowOpenDecision', () => {
  it('always denies the window, and opens only allow-listed links externally', () => {
    expect(windowOpenDecision(DOCUMENTATION_URL)).toEqual({ action: 'deny', openExternally: DOCUMENTATION_URL })
    expect(windowOpenDecision('https://example.org/')).toEqual({ action: 'deny', openExternally: null })
    expect(windowOpenDecision('app://dnpu-lab/index.html')).toEqual({ action: 'deny', openExternally: null })
  })
})
