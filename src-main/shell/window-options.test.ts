import { describe, expect, it } from 'vitest'
import { mainWindowOptions } from './window-options'

describe('mainWindowOptions', () => {
  const options = mainWindowOptions('/app/out/preload/index.cjs')
  const web = options.webPreferences!

  it('isolates the page from Node and Electron', () => {
    expect(web.contextIsolation).toBe(true)
    expect(web.sandbox).toBe(true)
    expect(web.nodeIntegration).toBe(false)
    expect(web.nodeIntegrationInSubFrames).toBe(false)
    expect(web.nodeIntegrationInWorker).toBe(false)
  })

  it('keeps web security on and webviews, insecure content and experiments off', () => {
    expect(web.webSecurity).toBe(true)
    expect(web.webviewTag).toBe(false)
    expect(web.allowRunningInsecureContent).toBe(false)
    expect(web.experimentalFeatures).toBe(false)
  })

  it('loads the given preload and turns spell checking off', () => {
    expect(web.preload).toBe('/app/out/preload/index.cjs')
    expect(web.spellcheck).toBe(false)
  })

  it('opens hidden (shown when ready) at a size the views fit', () => {
    expect(options.show).toBe(false)
    expect(options.minWidth).toBeGreaterThanOrEqual(1024)
    expect(options.width).toBeGreaterThanOrEqual(options.minWidth!)
    expect(options.height).toBeGreaterThanOrEqual(options.minHeight!)
  })
})
