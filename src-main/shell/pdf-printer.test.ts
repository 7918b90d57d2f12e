import { describe, expect, it, vi } from 'vitest'
import { createPdfPrinter, MAX_PDF_HTML_BYTES, pdfWindowOptions, reportDataUrl } from './pdf-printer'

/** A BrowserWindow as the shell tests fake Electron: records what the printer does with it. */
function fakeWindowClass(printed = Buffer.from('%PDF-1.4 fake')) {
  const instances: FakeWindow[] = []
  class FakeWindow {
    handlers = new Map<string, (event: { preventDefault(): void }) => void>()
    loaded: string | null = null
    destroyed = false
    requestFilter: ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void) | null = null
    windowOpen: (() => { action: string }) | null = null
    webContents = {
      on: (name: string, handler: (event: { preventDefault(): void }) => void) => this.handlers.set(name, handler),
      setWindowOpenHandler: (handler: () => { action: string }) => (this.windowOpen = handler),
      session: {
        webRequest: { onBeforeRequest: (filter: FakeWindow['requestFilter']) => (this.requestFilter = filter) }
      },
      printToPDF: vi.fn(async () => printed)
    }
    constructor(readonly options: unknown) {
      instances.push(this)
    }
    async loadURL(url: string) {
      this.loaded = url
    }
    destroy() {
      this.destroyed = true
    }
  }
  return { FakeWindow, instances }
}

describe('pdf printer', () => {
  it('prints in a hidden window with JavaScript and Node off, then destroys it', async () => {
    const { FakeWindow, instances } = fakeWindowClass()
    const print = createPdfPrinter(FakeWindow as never)
    const pdf = await print('<p>report</p>')
    expect(pdf.toString()).toContain('%PDF')
    const [window] = instances
    expect(window.options).toEqual(pdfWindowOptions())
    expect(pdfWindowOptions().show).toBe(false)
    expect(pdfWindowOptions().webPreferences).toMatchObject({
      javascript: false,
      sandbox: true,
      nodeIntegration: false
    })
    expect(pdfWindowOptions().webPreferences?.preload).toBeUndefined()
    expect(window.loaded).toBe(reportDataUrl('<p>report</p>'))
    expect(Buffer.from(window.loaded!.split(',')[1], 'base64').toString()).toBe('<p>report</p>')
    expect(window.webContents.printToPDF).toHaveBeenCalledWith({ printBackground: true, pageSize: 'A4' })
    expect(window.destroyed).toBe(true)
  })

  it('denies navigation, new windows and every request but the report', async () => {
    const { FakeWindow, instances } = fakeWindowClass()
    await createPdfPrinter(FakeWindow as never)('<p>x</p>')
    const [window] = instances
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      const preventDefault = vi.fn()
      window.handlers.get(name)!({ preventDefault })
      expect(preventDefault).toHaveBeenCalled()
    }
    expect(window.windowOpen!()).toEqual({ action: 'deny' })
    const answers: boolean[] = []
    window.requestFilter!({ url: 'https://example.com/x.png' }, (response) => answers.push(response.cancel))
    window.requestFilter!({ url: window.loaded! }, (response) => answers.push(response.cancel))
    expect(answers).toEqual([true, false])
  })

  it('destroys the window when printing fails, and refuses an oversized report', async () => {
    const { FakeWindow, instances } = fakeWindowClass()
    const print = createPdfPrinter(FakeWindow as never)
    await expect(print('x'.repeat(MAX_PDF_HTML_BYTES + 1))).rejects.toThrow(/larger than/)
    expect(instances).toHaveLength(0)
    const failing = fakeWindowClass()
    const printFailing = createPdfPrinter(failing.FakeWindow as never)
    const origin = failing.FakeWindow.prototype.loadURL
    failing.FakeWindow.prototype.loadURL = async () => {
      throw new Error('load failed')
    }
    await expect(printFailing('<p/>')).rejects.toThrow('load failed')
    expect(failing.instances[0].destroyed).toBe(true)
    failing.FakeWindow.prototype.loadURL = origin
  })
})
