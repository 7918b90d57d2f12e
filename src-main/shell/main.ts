/**
 * Electron shell: app lifecycle, the window and IPC wiring. Thin on purpose: everything it
 * serves comes from the shared app services, like the CLI and browser mode.
 */
import { app, BrowserWindow, dialog, ipcMain, session, shell as electronShell, type WebFrameMain } from 'electron'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { API_METHODS, type EventName } from '../../src-shared/ipc'
import { createAppServices, type AppServices } from '../services/app-services'
import { forwardEvents } from '../services/event-forwarding'
import { installLastResortHandlers } from '../services/last-resort'
import { createRequestHandler } from '../services/request-handler'
import { spawnTrainerWorker } from '../workers/spawn-trainer'
import { createSurrogateFileReader } from '../workers/surrogate-reader'

// Bundled to out/main/index.js; the preload and renderer are built beside it.
const outFolder = resolve(import.meta.dirname, '..')
const preloadFile = join(outFolder, 'preload', 'index.cjs')
const rendererIndex = join(outFolder, 'renderer', 'index.html')
const devServerUrl = process.env.ELECTRON_RENDERER_URL
const resourcesFolder = app.isPackaged
  ? join(process.resourcesPath, 'resources')
  : resolve(import.meta.dirname, '..', '..', 'resources')

// First, so a fatal error anywhere in main still sends a connected instrument ABOR (last-resort.ts).
const lastResort = installLastResortHandlers({
  name: 'DNPU Lab',
  writeLine: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => app.exit(code)
})

// Tests and power users may point the app at another data folder.
if (process.env.DNPU_DATA_DIR) app.setPath('userData', process.env.DNPU_DATA_DIR)

let services: AppServices | null = null
let mainWindow: BrowserWindow | null = null

/** Only our own page may call main: the built renderer file, or the dev server in development. */
function isTrustedSender(frame: WebFrameMain | null): boolean {
  if (!frame) return false
  const url = new URL(frame.url)
  if (devServerUrl && url.origin === new URL(devServerUrl).origin) return true
  return url.protocol === 'file:' && url.pathname === pathToFileURL(rendererIndex).pathname
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 1024,
    minHeight: 700,
    title: 'DNPU Lab',
    show: false,
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false
    }
  })
  window.once('ready-to-show', () => window.show())
  if (devServerUrl) void window.loadURL(devServerUrl)
  else void window.loadFile(rendererIndex)
  return window
}

function wireIpc(appServices: AppServices): void {
  const handleRequest = createRequestHandler(appServices)
  for (const channel of Object.values(API_METHODS)) {
    ipcMain.handle(channel, async (event, request: unknown) => {
      if (!isTrustedSender(event.senderFrame)) {
        return { ok: false, error: `${channel}: request refused: unknown sender` }
      }
      return handleRequest(channel, request)
    })
  }
  forwardEvents(appServices, (event: EventName, payload) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(event, payload)
  })
}

function lockDownNavigation(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (navigation) => navigation.preventDefault())
    contents.on('will-redirect', (navigation) => navigation.preventDefault())
    contents.on('will-attach-webview', (attach) => attach.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      // External documentation links open in the user's browser, never inside the app.
      if (url.startsWith('https://')) void electronShell.openExternal(url)
      return { action: 'deny' }
    })
  })
  // No permission (camera, notifications, serial from the page...) is ever granted to web content.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
}

async function start(): Promise<void> {
  await app.whenReady()
  lockDownNavigation()
  services = await createAppServices({
    dataFolder: app.getPath('userData'),
    resourcesFolder,
    version: app.getVersion(),
    mode: 'electron',
    spawnTrainer: spawnTrainerWorker,
    readSurrogateFile: createSurrogateFileReader(),
    sqliteNativeBinding: process.env.DNPU_SQLITE_BINDING || undefined
  })
  wireIpc(services)
  mainWindow = createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow()
  })
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

let quitting = false
app.on('before-quit', (event) => {
  // After a fatal error the last-resort handler owns the exit: it waits for the ABOR write.
  if (lastResort.handling) return event.preventDefault()
  if (quitting || !services) return
  // Let a running trainer stop and its status reach the database before the process ends.
  event.preventDefault()
  quitting = true
  void services.close().finally(() => app.quit())
})

start().catch((error: unknown) => {
  if (lastResort.handling) return
  const message = error instanceof Error ? error.message : String(error)
  console.error(`DNPU Lab could not start: ${message}`)
  // Started from a desktop icon there is no console: a refused database (damaged, from a newer
  // version, not upgraded because its backup failed) must still be seen, with its path.
  if (app.isReady()) dialog.showErrorBox('DNPU Lab could not start', message)
  app.exit(1)
})
