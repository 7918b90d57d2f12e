/**
 * The application menu, built by a pure function so what a packaged app offers (no reload, no
 * developer tools) is tested. Electron's default menu would give every user DevTools and reload.
 */
import type { MenuItemConstructorOptions, MessageBoxOptions } from 'electron'
import type { AppInfo } from '../../src-shared/ipc'
import { APP_TITLE } from './window-options'

export interface MenuActions {
  importSurrogate(): void
  openDataFolder(): void
  openDocumentation(): void
  openLog(): void
  showAbout(): void
}

export interface MenuContext {
  /** Not packaged: reload and the developer tools are offered. */
  isDevelopment: boolean
  platform: NodeJS.Platform
}

export function buildMenuTemplate(context: MenuContext, actions: MenuActions): MenuItemConstructorOptions[] {
  const isMac = context.platform === 'darwin'
  const about: MenuItemConstructorOptions = { label: `About ${APP_TITLE}`, click: () => actions.showAbout() }
  const template: MenuItemConstructorOptions[] = []
  if (isMac) {
    // macOS puts About and Quit in the menu named after the app.
    template.push({
      label: APP_TITLE,
      submenu: [
        about,
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' }
      ]
    })
  }
  template.push({
    label: '&File',
    submenu: [
      { label: 'Import surrogate…', accelerator: 'CmdOrCtrl+O', click: () => actions.importSurrogate() },
      { type: 'separator' },
      { label: 'Open data folder', click: () => actions.openDataFolder() },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' }
    ]
  })
  // Without the Edit roles the copy and paste shortcuts do not work in the forms on macOS.
  template.push({
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' }
    ]
  })
  const development: MenuItemConstructorOptions[] = context.isDevelopment
    ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }]
    : []
  template.push({
    label: '&View',
    submenu: [
      ...development,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' }
    ]
  })
  if (isMac) template.push({ role: 'windowMenu' })
  template.push({
    label: '&Help',
    role: 'help',
    submenu: [
      { label: 'Documentation', click: () => actions.openDocumentation() },
      { label: 'Open log file', click: () => actions.openLog() },
      ...(isMac ? [] : [{ type: 'separator' } as const, about])
    ]
  })
  return template
}

export interface AboutFacts {
  info: AppInfo
  /** process.versions: Electron, Node and Chromium. */
  versions: Partial<Record<'electron' | 'node' | 'chrome', string>>
  logFile: string
}

/** Help > About: everything a bug report needs about this installation. */
export function aboutMessage(facts: AboutFacts): MessageBoxOptions {
  const { info, versions } = facts
  return {
    type: 'info',
    title: `About ${APP_TITLE}`,
    message: `${APP_TITLE} ${info.version}`,
    detail: [
      `Electron ${versions.electron ?? 'unknown'}`,
      `Node.js ${versions.node ?? 'unknown'}`,
      `Chromium ${versions.chrome ?? 'unknown'}`,
      `Compute backend: ${info.computeBackend}`,
      `Data folder: ${info.dataFolder}`,
      `Log file: ${facts.logFile}`
    ].join('\n'),
    buttons: ['OK']
  }
}
