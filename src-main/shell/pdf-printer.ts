/**
 * `runs:report-pdf`: the report's HTML printed to PDF by Chromium in a hidden window that can do
 * nothing else: sandboxed, no preload, no Node, JavaScript off, every navigation, new window and
 * request other than the report itself refused. The report needs none of these (inline styles
 * and SVG only), so they are off rather than trusted.
 *
 * The services get this as their `printHtmlToPdf` capability; in browser mode (`dnpu serve`) and
 * in the CLI there is no such window, so the capability is absent and the channel says to print
 * the HTML from the browser.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron'

/** A report larger than this is not printed (the report itself stays far below it). */
export const MAX_PDF_HTML_BYTES = 20 * 1024 * 1024

export function pdfWindowOptions(): BrowserWindowConstructorOptions {
  return {
    show: false,
    width: 900,
    height: 1200,
    webPreferences: {
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      javascript: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      images: true,
      spellcheck: false,
      // Its own in-memory session: no cookies or storage shared with the app's page.
      partition: 'report-pdf'
    }
  }
}

type WindowConstructor = new (options: BrowserWindowConstructorOptions) => BrowserWindow

/** The report as a `data:` URL: loaded from nowhere, so it can reach nowhere relative either. */
export function reportDataUrl(html: string): string {
  return `data:text/html;charset=utf-8;base64,${Buffer.from(html, 'utf8').toString('base64')}`
}

/** Makes the capability: one hidden window per print, destroyed whatever happens. */
export function createPdfPrinter(Window: WindowConstructor): (html: string) => Promise<Buffer> {
  return async (html) => {
    if (Buffer.byteLength(html, 'utf8') > MAX_PDF_HTML_BYTES) {
      throw new Error(`the report is larger than ${MAX_PDF_HTML_BYTES / 1024 / 1024} MB; print the HTML instead`)
    }
    const window = new Window(pdfWindowOptions())
    try {
      const contents = window.webContents
      const url = reportDataUrl(html)
      const refuse = (event: { preventDefault(): void }): void => event.preventDefault()
      contents.on('will-navigate', refuse)
      contents.on('will-frame-navigate', refuse)
      contents.on('will-redirect', refuse)
      contents.setWindowOpenHandler(() => ({ action: 'deny' }))
      // Nothing but the report's own URL is fetched (the CSP in it says the same).
      contents.session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: details.url !== url }))
      await window.loadURL(url)
      return await contents.printToPDF({ printBackground: true, pageSize: 'A4' })
    } finally {
      window.destroy()
    }
  }
}
