/**
 * Where DNPU Lab keeps its database. The Electron app uses its userData folder; the CLI and
 * browser mode resolve the same folder themselves so all three share one database by default.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'

/** Electron derives userData from the product name; keep the two in step. */
export const PRODUCT_NAME = 'DNPU Lab'
export const DATABASE_FILE_NAME = 'dnpu-lab.db'

/** The OS default: what Electron's `app.getPath('userData')` gives for {@link PRODUCT_NAME}. */
export function defaultDataFolder(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env
): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME)
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME)
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), PRODUCT_NAME)
}

/**
 * `--data-dir`, else `DNPU_DATA_DIR`, else the OS default. A given but empty `--data-dir` is an
 * error, never the default: it would silently put a test's or a script's runs in the real folder.
 */
export function resolveDataFolder(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined) {
    if (option.trim() === '') throw new Error('--data-dir must name a folder, got an empty value')
    return option
  }
  if (env.DNPU_DATA_DIR) return env.DNPU_DATA_DIR
  return defaultDataFolder(process.platform, env)
}
