/**
 * Whether the Electron project can run here, checked WITHOUT triggering Electron's lazy binary
 * download (which hangs or fails on machines without access to its server).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export function electronUnavailableReason(repoRoot: string): string | null {
  const electronFolder = join(repoRoot, 'node_modules', 'electron')
  const pathFile = join(electronFolder, 'path.txt')
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  if (!existsSync(pathFile) && !override) {
    return 'the Electron binary is not installed on this machine (it is downloaded on the first `npm start`)'
  }
  const executable = override
    ? join(override, existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : 'electron')
    : join(electronFolder, 'dist', readFileSync(pathFile, 'utf8'))
  if (!existsSync(executable)) return `the Electron binary ${executable} is missing`
  if (!process.env.DNPU_SQLITE_BINDING) {
    return 'DNPU_SQLITE_BINDING is not set (run `npm start` once; it builds better-sqlite3 for Electron under .electron-native/ and this variable points at it)'
  }
  return null
}
