/**
 * The shell's composition, run against a mocked `electron` (there is no Electron runtime in
 * the test environment): the single-instance lock in both branches, the app:// page, the IPC
 * sender check, the menu, a second launch carrying a .pt file, and a start-up failure.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const fake = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vi.hoisted runs before imports
  const { EventEmitter: Emitter } = require('node:events') as typeof import('node:events')

  class FakeWindow extends Emitter {
    static instances: FakeWindow[] = []
    static getAllWindows = () => FakeWindow.instances
    options: unknown
    minimized = false
    webContents = Object.assign(new Emitter(), {
      send: vi.fn(),
      setWindowOpenHandler: vi.fn(),
      session: { webRequest: { onBeforeRequest: vi.fn() } },
      printToPDF: vi.fn(async () => Buffer.from('%PDF-1.7'))
    })
    loadURL = vi.fn(async (_url: string) => undefined)
    destroy = vi.fn()
    isDestroyed = () => false
    isMinimized = () => this.minimized
    isVisible = () => true
    restore = vi.fn()
    show = vi.fn()
    focus = vi.fn()
    constructor(options: unknown) {
      super()
      this.options = options
      FakeWindow.instances.push(this)
    }
  }

  const state = {
    app: null as unknown as ReturnType<typeof makeApp>,
    readyResolve: (() => undefined) as () => void,
    ipcHandlers: new Map<string, (event: unknown, request: unknown) => Promise<unknown>>(),
    session: null as unknown as ReturnType<typeof makeSession>,
    FakeWindow
  }

  function makeApp() {
    let ready!: () => void
    const readyPromise = new Promise<void>((resolve) => (ready = resolve))
    state.readyResolve = ready
    return Object.assign(new Emitter(), {
      isPackaged: true,
      lockObtained: true,
      userData: '',
      setPath: vi.fn(),
      getPath: vi.fn((_name: string) => state.app.userData),
      setAppLogsPath: vi.fn(),
      getVersion: () => '0.1.0',
      requestSingleInstanceLock: vi.fn(() => state.app.lockObtained),
      quit: vi.fn(),
      exit: vi.fn(),
      whenReady: vi.fn(() => readyPromise),
      isReady: () => true
    })
  }

  function makeSession() {
    return Object.assign(new Emitter(), {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      setDevicePermissionHandler: vi.fn()
    })
  }

  function reset(): void {
    state.app = makeApp()
    state.ipcHandlers.clear()
    FakeWindow.instances = []
    state.session = makeSession()
  }
  reset()

  const electron = {
    get app() {
      return state.app
    },
    BrowserWindow: FakeWindow,
    dialog: {
      showErrorBox: vi.fn(),
      showMessageBox: vi.fn(async () => ({ response: 0 })),
      showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] }))
    },
    ipcMain: {
      handle: vi.fn((channel: string, handler: (event: unknown, request: unknown) => Promise<unknown>) =>
        state.ipcHandlers.set(channel, handler)
      )
    },
    Menu: { buildFromTemplate: vi.fn((template: unknown) => template), setApplicationMenu: vi.fn() },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    get session() {
      return { defaultSession: state.session }
    },
    shell: { openExternal: vi.fn(async () => undefined), openPath: vi.fn(async () => '') },
    // Getters, not copies: each test's fresh app and session must be what main imports.
    get default() {
      return electron
    }
  }

  const services = {
    info: { version: '0.1.0', computeBackend: 'wasm', dataFolder: '/data', mode: 'electron' as const },
    models: { importFile: vi.fn() },
    training: new Emitter(),
    device: new Emitter(),
    samplingSession: new Emitter(),
    close: vi.fn(async () => undefined)
  }
  const createAppServices = vi.fn(async () => services)

  return { state, reset, electron, services, createAppServices }
})

vi.mock('electron', () => fake.electron)
vi.mock('../services/app-services', () => ({ createAppServices: fake.createAppServices }))
vi.mock('../services/last-resort', () => ({ installLastResortHandlers: () => ({ handling: false }) }))
vi.mock('../workers/spawn-trainer', () => ({ spawnTrainerWorker: vi.fn() }))
vi.mock('../workers/surrogate-reader', () => ({ createSurrogateFileReader: vi.fn() }))

let dataFolder: string
const savedConsole = { error: console.error, warn: console.warn }

beforeEach(() => {
  vi.resetModules()
  vi.clearAllMocks()
  fake.reset()
  dataFolder = mkdtempSync(join(tmpdir(), 'dnpu-shell-'))
  fake.state.app.userData = dataFolder
  // Electron sets it; plain Node does not.
  Object.assign(process, { resourcesPath: join(dataFolder, 'resources') })
  fake.createAppServices.mockImplementation(async () => fake.services)
})

afterEach(() => {
  console.error = savedConsole.error
  console.warn = savedConsole.warn
  vi.unstubAllEnvs()
  rmSync(dataFolder, { recursive: true, force: true })
})

async function startShell(): Promise<InstanceType<typeof fake.state.FakeWindow>> {
  await import('./main')
  fake.state.readyResolve()
  await vi.waitFor(() => expect(fake.state.FakeWindow.instances).toHaveLength(1))
  return fake.state.FakeWindow.instances[0]
}

describe('main: report PDF', () => {
  it('gives the services a printHtmlToPdf that prints in a hidden JS-less window and destroys it', async () => {
    await startShell()
    const options = (fake.createAppServices.mock.calls[0] as unknown[])[0] as {
      printHtmlToPdf?: (html: string) => Promise<Buffer>
    }
    expect(options.printHtmlToPdf).toBeTypeOf('function')
    const pdf = await options.printHtmlToPdf!('<p>report</p>')
    expect(pdf.toString()).toBe('%PDF-1.7')
    const printer = fake.state.FakeWindow.instances[1]
    expect(printer.options).toMatchObject({ show: false, webPreferences: { javascript: false, sandbox: true } })
    expect(printer.loadURL).toHaveBeenCalledWith(expect.stringMatching(/^data:text\/html;charset=utf-8;base64,/))
    expect(printer.webContents.printToPDF).toHaveBeenCalledWith({ printBackground: true, pageSize: 'A4' })
    expect(printer.destroy).toHaveBeenCalled()
  })
})

describe('main: single instance', () => {
  it('quits at once without the lock: no scheme, no services, no window', async () => {
    fake.state.app.lockObtained = false
    await import('./main')
    expect(fake.state.app.quit).toHaveBeenCalledTimes(1)
    expect(fake.state.app.whenReady).not.toHaveBeenCalled()
    expect(fake.electron.protocol.registerSchemesAsPrivileged).not.toHaveBeenCalled()
    expect(fake.createAppServices).not.toHaveBeenCalled()
    expect(fake.state.FakeWindow.instances).toHaveLength(0)
    expect(fake.state.app.listenerCount('second-instance')).toBe(0)
    expect(readFileSync(join(dataFolder, 'logs', 'main.log'), 'utf8')).toContain('another DNPU Lab is running')
  })

  it('with the lock: registers app:// before ready, then starts services and the window', async () => {
    await import('./main')
    expect(fake.state.app.quit).not.toHaveBeenCalled()
    expect(fake.electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }
    ])
    expect(fake.createAppServices).not.toHaveBeenCalled()
    fake.state.readyResolve()
    await vi.waitFor(() => expect(fake.state.FakeWindow.instances).toHaveLength(1))
    expect(fake.electron.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function))
    expect(fake.state.FakeWindow.instances[0].loadURL).toHaveBeenCalledWith('app://dnpu-lab/index.html')
    expect(fake.state.app.setAppLogsPath).toHaveBeenCalledWith(join(dataFolder, 'logs'))
    expect(readFileSync(join(dataFolder, 'logs', 'main.log'), 'utf8')).toMatch(
      /DNPU Lab 0\.1\.0 starting[\s\S]*services ready/
    )
  })

  it('brings the window forward on a second launch and imports the .pt it carried', async () => {
    const window = await startShell()
    const file = join(dataFolder, 'training_data.pt')
    writeFileSync(file, Buffer.from([7, 7, 7]))
    const model = { id: '3', name: 'training_data' }
    fake.services.models.importFile.mockResolvedValue({ model, warnings: [], alreadyImported: false })
    window.minimized = true
    fake.state.app.emit('second-instance', {}, ['/opt/dnpu-lab', '--flag', 'training_data.pt'], dataFolder, {})
    expect(window.restore).toHaveBeenCalled()
    expect(window.focus).toHaveBeenCalled()
    // The import waits for the page, which must hear the event.
    expect(fake.services.models.importFile).not.toHaveBeenCalled()
    window.webContents.emit('did-finish-load')
    await vi.waitFor(() => expect(fake.electron.dialog.showMessageBox).toHaveBeenCalled())
    expect(fake.services.models.importFile).toHaveBeenCalledWith(
      'training_data.pt',
      Buffer.from([7, 7, 7]),
      expect.objectContaining({ fileName: 'training_data.pt' })
    )
    expect(window.webContents.send).toHaveBeenCalledWith('models:imported', {
      model,
      warnings: [],
      alreadyImported: false,
      fileName: 'training_data.pt'
    })
    expect(fake.electron.dialog.showMessageBox).toHaveBeenCalledWith(
      window,
      expect.objectContaining({ message: 'training_data.pt was imported as model 3, “training_data”.' })
    )
  })
})

describe('main: the page and who may call main', () => {
  it('answers only our own page', async () => {
    await startShell()
    const handler = fake.state.ipcHandlers.get('app:info')!
    for (const url of ['file:///work/out/renderer/index.html', 'https://example.org/', 'app://evil/index.html', '']) {
      expect(await handler({ senderFrame: { url } }, {})).toEqual({
        ok: false,
        error: 'app:info: request refused: unknown sender'
      })
    }
    expect(await handler({ senderFrame: null }, {})).toMatchObject({ ok: false })
    expect(await handler({ senderFrame: { url: 'app://dnpu-lab/index.html#models' } }, {})).toEqual({
      ok: true,
      value: fake.services.info
    })
  })

  it('ignores ELECTRON_RENDERER_URL in a packaged app', async () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', 'http://localhost:5173')
    const window = await startShell()
    expect(window.loadURL).toHaveBeenCalledWith('app://dnpu-lab/index.html')
    const handler = fake.state.ipcHandlers.get('app:info')!
    expect(await handler({ senderFrame: { url: 'http://localhost:5173/' } }, {})).toMatchObject({ ok: false })
  })

  it('loads and trusts the dev server in development', async () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', 'http://localhost:5173')
    fake.state.app.isPackaged = false
    const window = await startShell()
    expect(window.loadURL).toHaveBeenCalledWith('http://localhost:5173/')
    const handler = fake.state.ipcHandlers.get('app:info')!
    expect(await handler({ senderFrame: { url: 'http://localhost:5173/' } }, {})).toMatchObject({ ok: true })
  })

  it('guards the session and installs a menu without developer tools when packaged', async () => {
    await startShell()
    expect(fake.state.session.setPermissionRequestHandler).toHaveBeenCalled()
    expect(fake.state.session.setPermissionCheckHandler).toHaveBeenCalled()
    expect(fake.state.session.setDevicePermissionHandler).toHaveBeenCalled()
    expect(fake.state.session.listenerCount('select-serial-port')).toBe(1)
    const template = fake.electron.Menu.setApplicationMenu.mock.calls[0][0] as unknown
    expect(JSON.stringify(template)).not.toContain('toggleDevTools')
    expect(JSON.stringify(template)).toContain('Import surrogate…')
  })
})

describe('main: a start-up failure', () => {
  it('is shown in a dialog, in words, with the log file, and the app exits 1', async () => {
    const refused = Object.assign(new Error('/data/dnpu-lab.db is damaged: quick_check found 2 problems'), {
      name: 'DatabaseOpenError',
      reason: 'damaged'
    })
    fake.createAppServices.mockRejectedValue(refused)
    console.error = vi.fn()
    await import('./main')
    fake.state.readyResolve()
    await vi.waitFor(() => expect(fake.state.app.exit).toHaveBeenCalledWith(1))
    const logFile = join(dataFolder, 'logs', 'main.log')
    expect(fake.electron.dialog.showErrorBox).toHaveBeenCalledWith(
      'DNPU Lab could not start',
      expect.stringContaining('The database file is damaged.')
    )
    const [, message] = fake.electron.dialog.showErrorBox.mock.calls[0] as unknown as [string, string]
    expect(message).toContain('/data/dnpu-lab.db is damaged')
    expect(message).toContain(`Details are in the log file: ${logFile}`)
    expect(fake.state.FakeWindow.instances).toHaveLength(0)
    // console.error of the shell reaches the log file too.
    expect(readFileSync(logFile, 'utf8')).toMatch(/ERROR DNPU Lab could not start: .*DatabaseOpenError.*is damaged/)
  })
})
