/**
 * One DNPU Lab per data folder: a second launch must never open the database and the
 * instrument a first one is driving. Electron's lock lives in the userData folder, so it is
 * taken after DNPU_DATA_DIR has moved that folder (two test runs on two folders may run together).
 */
import type { App, BrowserWindow } from 'electron'

/**
 * Takes the lock, or quits at once (before any service exists) and says so. The first instance
 * hears of every later launch, with that launch's command line and working folder.
 */
export function claimSingleInstance(
  app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'on'>,
  onSecondInstance: (argv: string[], workingDirectory: string) => void
): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return false
  }
  app.on('second-instance', (_event, argv, workingDirectory) => onSecondInstance(argv, workingDirectory))
  return true
}

/** The window the user meant to open: restored if minimised, shown if hidden, and focused. */
export function bringToFront(
  window: Pick<BrowserWindow, 'isDestroyed' | 'isMinimized' | 'restore' | 'isVisible' | 'show' | 'focus'> | null
): boolean {
  if (!window || window.isDestroyed()) return false
  if (window.isMinimized()) window.restore()
  if (!window.isVisible()) window.show()
  window.focus()
  return true
}
