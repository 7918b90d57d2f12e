import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { aboutMessage, buildMenuTemplate, type MenuActions } from './app-menu'

function actions() {
  return {
    importSurrogate: vi.fn<() => void>(),
    openDataFolder: vi.fn<() => void>(),
    openDocumentation: vi.fn<() => void>(),
    openLog: vi.fn<() => void>(),
    showAbout: vi.fn<() => void>()
  } satisfies MenuActions
}

/** Every item, depth first, for searching the template. */
function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])])
}

function topLabels(template: MenuItemConstructorOptions[]): (string | undefined)[] {
  return template.map((item) => item.label ?? item.role)
}

function find(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions {
  const item = items(template).find((candidate) => candidate.label === label)
  if (!item) throw new Error(`no menu item ${label}`)
  return item
}

function click(item: MenuItemConstructorOptions): void {
  ;(item.click as () => void)()
}

const roles = (template: MenuItemConstructorOptions[]) => items(template).map((item) => item.role)

describe('buildMenuTemplate', () => {
  it('has File, Edit, View and Help on Windows and Linux', () => {
    for (const platform of ['win32', 'linux'] as const) {
      const template = buildMenuTemplate({ isDevelopment: false, platform }, actions())
      expect(topLabels(template)).toEqual(['&File', '&Edit', '&View', '&Help'])
    }
  })

  it('calls the actions from File and Help', () => {
    const calls = actions()
    const template = buildMenuTemplate({ isDevelopment: false, platform: 'linux' }, calls)
    const importItem = find(template, 'Import surrogate…')
    expect(importItem.accelerator).toBe('CmdOrCtrl+O')
    click(importItem)
    click(find(template, 'Open data folder'))
    click(find(template, 'Documentation'))
    click(find(template, 'Open log file'))
    click(find(template, 'About DNPU Lab'))
    for (const action of Object.values(calls)) expect(action).toHaveBeenCalledTimes(1)
    expect(roles(template)).toContain('quit')
  })

  it('offers reload and the developer tools only in development', () => {
    const packaged = roles(buildMenuTemplate({ isDevelopment: false, platform: 'linux' }, actions()))
    for (const role of ['reload', 'forceReload', 'toggleDevTools']) expect(packaged).not.toContain(role)
    expect(packaged).toEqual(expect.arrayContaining(['resetZoom', 'zoomIn', 'zoomOut']))
    const development = roles(buildMenuTemplate({ isDevelopment: true, platform: 'linux' }, actions()))
    expect(development).toEqual(expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools']))
  })

  it('follows macOS: an app menu with About and Quit, a Window menu, Close in File', () => {
    const template = buildMenuTemplate({ isDevelopment: false, platform: 'darwin' }, actions())
    expect(topLabels(template)).toEqual(['DNPU Lab', '&File', '&Edit', '&View', 'windowMenu', '&Help'])
    const appMenu = template[0].submenu as MenuItemConstructorOptions[]
    expect(appMenu[0].label).toBe('About DNPU Lab')
    expect(appMenu.map((item) => item.role)).toContain('quit')
    const file = template[1].submenu as MenuItemConstructorOptions[]
    expect(file.map((item) => item.role)).toContain('close')
    expect(file.map((item) => item.role)).not.toContain('quit')
    const help = template[5].submenu as MenuItemConstructorOptions[]
    expect(help.map((item) => item.label)).toEqual(['Documentation', 'Open log file'])
  })

  it('has the edit roles copy and paste need', () => {
    const template = buildMenuTemplate({ isDevelopment: false, platform: 'darwin' }, actions())
    expect(roles(template)).toEqual(expect.arrayContaining(['cut', 'copy', 'paste', 'selectAll', 'undo', 'redo']))
  })
})

describe('aboutMessage', () => {
  it('names the version, the runtime versions, the compute backend, the data folder and the log', () => {
    const message = aboutMessage({
      info: { version: '0.1.0', computeBackend: 'wasm', dataFolder: '/home/u/.config/DNPU Lab', mode: 'electron' },
      versions: { electron: '45.5.0', node: '22.20.0', chrome: '142.0.7444.52' },
      logFile: '/home/u/.config/DNPU Lab/logs/main.log'
    })
    expect(message).toEqual({
      type: 'info',
      title: 'About DNPU Lab',
      message: 'DNPU Lab 0.1.0',
      detail:
        'Electron 45.5.0\nNode.js 22.20.0\nChromium 142.0.7444.52\nCompute backend: wasm\n' +
        'Data folder: /home/u/.config/DNPU Lab\nLog file: /home/u/.config/DNPU Lab/logs/main.log',
      buttons: ['OK']
    })
  })

  it('says unknown for a version the runtime does not report', () => {
    const message = aboutMessage({
      info: { version: '0.1.0', computeBackend: 'cpu', dataFolder: '/d', mode: 'electron' },
      versions: {},
      logFile: '/d/logs/main.log'
    })
    expect(message.detail).toContain('Electron unknown')
  })
})
