/**
 * The main window's options, as a pure function so the security settings are tested, not
 * trusted to stay right through edits of the shell.
 */
import type { BrowserWindowConstructorOptions } from 'electron'

export const APP_TITLE = 'DNPU Lab'

/** The views are laid out for at least this much room (the app's CSS sets the same minimum width). */
const MIN_WIDTH_PIXELS = 1024
const MIN_HEIGHT_PIXELS = 700

export function mainWindowOptions(preloadFile: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: MIN_WIDTH_PIXELS,
    minHeight: MIN_HEIGHT_PIXELS,
    title: APP_TITLE,
    // Shown on 'ready-to-show', so the window never flashes empty.
    show: false,
    webPreferences: {
      preload: preloadFile,
      // The page sees only the preload's named functions (contextBridge), never Node or Electron.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      // Electron's experimental features and Blink's are off: the renderer needs none of them.
      experimentalFeatures: false,
      // Electrode names, file names and notes are not prose: red underlines would only distract.
      spellcheck: false
    }
  }
}
