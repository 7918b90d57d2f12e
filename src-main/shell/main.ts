/**
 * Electron shell: app lifecycle, the window and IPC wiring. Thin on purpose: everything it
 * serves comes from the shared app services, like the CLI and browser mode, and every decision
 * (window options, what may load, navigate, open or call main, the menu, the import flow, the
 * words of a start-up failure) is a tested module beside this one. See docs/architecture.md,
 * "Electron shell".
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  session,
  shell as electronShell,
  type MessageBoxOptions,
  type OpenDialogOptions
} from 'electron'
import { join, resolve } from 'node:path'
import { API_METHODS, type EventName, type EventPayloads } from '../../src-shared/ipc'
import { createAppServices, type AppServices } from '../services/app-services'
import { forwardEvents } from '../services/event-forwarding'
import { installLastResortHandlers } from '../services/last-resort'
import { createRequestHandler, type RequestHandler } from '../services/request-handler'
import { spawnTrainerWorker } from '../workers/spawn-trainer'
import { createSurrogateFileReader } from '../workers/surrogate-reader'
import { aboutMessage, buildMenuTemplate } from './app-menu'
import { APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol'
import { openLogFile, teeConsoleToLog } from './log-file'
import { bringToFront, claimSingleInstance } from './single-instance'
import { describeStartupError } from './startup-errors'
import {
  importResultMessage,
  importSurrogateFile,
  isSurrogatePath,
  SurrogateImportQueue,
  surrogatePathsFromArgv,
  SURROGATE_FILE_EXTENSION
} from './surrogate-import'
import { guardAllWebContents, guardSession } from './web-guards'
import {
  allowedExternalUrl,
  devServerUrlFor,
  DOCUMENTATION_URL,
  isTrustedSenderUrl,
  rendererOriginsFor
} from './web-policy'
import { mainWindowOptions } from './window-options'
import { createPdfPrinter } from './pdf-printer'

// Bundled to out/main/index.js; the preload and renderer are built beside it.
const outFolder = resolve(import.meta.dirname, '..')
const preloadFile = join(outFolder, 'preload', 'index.cjs')
const rendererFolder = join(outFolder, 'renderer')
const resourcesFolder = app.isPackaged
  ? join(process.resourcesPath, 'resources')
  : resolve(import.meta.dirname, '..', '..', 'resources')

// Tests and power users may point the app at another data folder. Before the log and the
// single-instance lock, which both live in it.
if (process.env.DNPU_DATA_DIR) app.setPath('userData', process.env.DNPU_DATA_DIR)
const logFolder = join(app.getPath('userData'), 'logs')
app.setAppLogsPath(logFolder)
const log = openLogFile(logFolder)

// Before anything can fail, so a fatal error anywhere in main still sends a connected
// instrument ABOR (last-resort.ts), and its line reaches the log as well as stderr.
const lastResort = installLastResortHandlers({
  name: 'DNPU Lab',
  writeLine: (line) => {
    process.stderr.write(`${line}\n`)
    log.error(line)
  },
  exit: (code) => app.exit(code)
})

const devServerUrl = devServerUrlFor(app.isPackaged, process.env.ELECTRON_RENDERER_URL)
const origins = rendererOriginsFor(devServerUrl)
const imports = new SurrogateImportQueue((message) => log.error(message))

let services: AppServices | null = null
let mainWindow: BrowserWindow | null = null

function createWindow(): BrowserWindow {
  const window = new BrowserWindow(mainWindowOptions(preloadFile))
  window.once('ready-to-show', () => window.show())
  // Imports wait for the page, so it hears the models:imported event and shows the model.
  const startImports = (): void => imports.start((path) => importAndReport(path))
  window.webContents.once('did-finish-load', startImports)
  window.webContents.once('did-fail-load', startImports)
  window.loadURL(devServerUrl ?? APP_INDEX_URL).catch((error: unknown) => log.error(`the page did not load: ${error}`))
  return window
}

function sendEvent<E extends EventName>(event: E, payload: EventPayloads[E]): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(event, payload)
}

let handleRequest: RequestHandler | null = null

function wireIpc(appServices: AppServices, handler: RequestHandler): void {
  for (const channel of Object.values(API_METHODS)) {
    ipcMain.handle(channel, async (event, request: unknown) => {
      // Only our own page may call main: the app:// origin, or the dev server in development.
      if (!isTrustedSenderUrl(event.senderFrame?.url, origins)) {
        return { ok: false, error: `${channel}: request refused: unknown sender` }
      }
      return handler(channel, request)
    })
  }
  forwardEvents(appServices, sendEvent)
}

async function showMessage(options: MessageBoxOptions): Promise<void> {
  const window = mainWindow && !mainWindow.isDestroyed() ? mainWindow : null
  await (window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options))
}

async function importAndReport(path: string): Promise<void> {
  if (!handleRequest) throw new Error('the app is not ready to import')
  const result = await importSurrogateFile(path, {
    handleRequest,
    notify: (event) => sendEvent('models:imported', event)
  })
  log.info(result.ok ? `imported ${path} as model ${result.model.id}` : `did not import ${path}: ${result.error}`)
  await showMessage(importResultMessage(result))
}

async function pickSurrogateFiles(): Promise<void> {
  const options: OpenDialogOptions = {
    title: 'Import surrogate model',
    filters: [{ name: 'Surrogate models (PyTorch)', extensions: [SURROGATE_FILE_EXTENSION] }],
    properties: ['openFile', 'multiSelections']
  }
  const window = mainWindow && !mainWindow.isDestroyed() ? mainWindow : null
  const picked = await (window ? dialog.showOpenDialog(window, options) : dialog.showOpenDialog(options))
  if (!picked.canceled) imports.add(picked.filePaths)
}

/** shell.openPath answers with an error message rather than rejecting. */
async function openPath(path: string): Promise<void> {
  const error = await electronShell.openPath(path)
  if (error) await showMessage({ type: 'error', title: 'DNPU Lab', message: `Could not open ${path}`, detail: error })
}

function installMenu(appServices: AppServices): void {
  const report = (promise: Promise<unknown>): void => {
    promise.catch((error: unknown) => log.error(`menu action failed: ${error}`))
  }
  const template = buildMenuTemplate(
    { isDevelopment: !app.isPackaged, platform: process.platform },
    {
      importSurrogate: () => report(pickSurrogateFiles()),
      openDataFolder: () => report(openPath(app.getPath('userData'))),
      openDocumentation: () => {
        const url = allowedExternalUrl(DOCUMENTATION_URL)
        if (url) report(electronShell.openExternal(url))
      },
      openLog: () => report(openPath(log.file)),
      showAbout: () =>
        report(showMessage(aboutMessage({ info: appServices.info, versions: process.versions, logFile: log.file })))
    }
  )
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}

function onSecondInstance(argv: string[], workingDirectory: string): void {
  // A second launch quit at once and handed us its command line: show ourselves instead.
  if (!bringToFront(mainWindow) && services) mainWindow = createWindow()
  imports.add(surrogatePathsFromArgv(argv, workingDirectory))
}

async function start(): Promise<void> {
  guardAllWebContents(
    app,
    origins,
    (url) => electronShell.openExternal(url),
    (message) => log.error(message)
  )
  await app.whenReady()
  guardSession(session.defaultSession)
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererFolder))
  services = await createAppServices({
    dataFolder: app.getPath('userData'),
    resourcesFolder,
    version: app.getVersion(),
    mode: 'electron',
    spawnTrainer: spawnTrainerWorker,
    readSurrogateFile: createSurrogateFileReader(),
    sqliteNativeBinding: process.env.DNPU_SQLITE_BINDING || undefined,
    printHtmlToPdf: createPdfPrinter(BrowserWindow)
  })
  log.info(`services ready: compute backend ${services.info.computeBackend}, data folder ${services.info.dataFolder}`)
  handleRequest = createRequestHandler(services)
  wireIpc(services, handleRequest)
  installMenu(services)
  mainWindow = createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow()
  })
}

// Two processes driving one instrument (and writing one database) must never happen: a second
// launch hands its files to the first and quits before any service exists.
if (claimSingleInstance(app, onSecondInstance)) {
  teeConsoleToLog(log)
  log.info(
    `DNPU Lab ${app.getVersion()} starting (Electron ${process.versions.electron}, ${process.platform}, ` +
      `${app.isPackaged ? 'packaged' : `development${devServerUrl ? `, page from ${devServerUrl}` : ''}`})`
  )
  // Must happen before 'ready' (Electron's rule for privileged schemes).
  protocol.registerSchemesAsPrivileged(APP_SCHEME_PRIVILEGES)
  imports.add(surrogatePathsFromArgv(process.argv, process.cwd()))
  // macOS hands files opened with the app to this event, possibly before 'ready'.
  app.on('open-file', (event, path) => {
    event.preventDefault()
    if (isSurrogatePath(path)) imports.add([path])
  })

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
    log.info('quitting')
    void services.close().finally(() => app.quit())
  })

  start().catch((error: unknown) => {
    if (lastResort.handling) return
    console.error('DNPU Lab could not start:', error)
    // Started from a desktop icon there is no console: a refused database (damaged, from a newer
    // version, not upgraded because its backup failed), a driver that does not load, must still be
    // seen, in words, with where the log is.
    const shown = describeStartupError(error, log.failed ? null : log.file)
    if (app.isReady()) dialog.showErrorBox(shown.title, shown.message)
    app.exit(1)
  })
} else {
  log.info('another DNPU Lab is running on this data folder: handed this launch to it and quit')
}
