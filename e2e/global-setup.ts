import { resolve } from 'node:path'
import { electronUnavailableReason } from './electron-availability'

/** Says up front, once, whether the Electron project will run or be skipped, and why. */
export default function globalSetup(): void {
  const reason = electronUnavailableReason(resolve(import.meta.dirname, '..'))
  if (reason)
    process.stdout.write(`\n[e2e] Electron project SKIPPED: ${reason}. Browser-mode project runs in Chromium.\n\n`)
  else process.stdout.write('\n[e2e] Electron project runs: the Electron binary is available.\n\n')
}
