/**
 * Helpers of the packaging tests: electron-builder.yml as data, a stand-in Electron distribution,
 * an unpacked (--dir) build against it, and the package-lock's view of which packages only the
 * devDependencies need.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import type { Configuration } from 'electron-builder'

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..')
export const BUILDER_CONFIG_FILE = join(REPO_ROOT, 'electron-builder.yml')

const require = createRequire(import.meta.url)

/** electron-builder.yml, parsed with the YAML reader electron-builder itself uses. */
export function readBuilderConfig(): Configuration {
  const yaml = require('js-yaml') as { load(text: string): unknown }
  return yaml.load(readFileSync(BUILDER_CONFIG_FILE, 'utf8')) as Configuration
}

export function installedElectronVersion(): string {
  return (
    JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
      version: string
    }
  ).version
}

// @electron/fuses finds the fuse wire after this marker in the Electron binary.
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
/** Electron's own defaults for the 8 fuses @electron/fuses knows ('1' on, '0' off). */
const DEFAULT_FUSE_WIRE = '10110001'

/**
 * A folder shaped like Electron's Linux distribution, for `electronDist`: an `electron`
 * placeholder (a shell script that only says what it is, carrying a fuse wire so that
 * electron-builder's `electronFuses` really flips fuses in it), LICENSE and `version`.
 */
export function writeStandInElectronDist(folder: string, electronVersion: string): void {
  mkdirSync(folder, { recursive: true })
  const executable = join(folder, 'electron')
  writeFileSync(
    executable,
    Buffer.concat([
      Buffer.from('#!/bin/sh\necho "stand-in for Electron: the packaging test never runs it" >&2\nexit 1\n# '),
      Buffer.from(FUSE_SENTINEL, 'latin1'),
      Buffer.from([1, DEFAULT_FUSE_WIRE.length]), // fuse wire version 1, then its length
      Buffer.from(DEFAULT_FUSE_WIRE, 'latin1'),
      Buffer.from('\n')
    ])
  )
  chmodSync(executable, 0o755)
  writeFileSync(join(folder, 'LICENSE'), 'Stand-in for the Electron license file.\n')
  writeFileSync(join(folder, 'version'), electronVersion)
}

export interface UnpackedBuild {
  /** The unpacked app (linux-unpacked). */
  appOutDir: string
  /** Its `process.resourcesPath`. */
  resourcesPath: string
  executable: string
  seconds: number
}

/**
 * Runs electron-builder's --dir build of this repository (its `out/` must be built) for Linux.
 * electron-builder reads electron-builder.yml itself and merges these overrides into it (arrays
 * are concatenated, so only settings that the file does not list go here): the stand-in
 * Electron, no native rebuild (it would download Electron's headers), the output folder.
 */
export async function buildUnpackedApp(outputFolder: string, electronDistFolder: string): Promise<UnpackedBuild> {
  if (!existsSync(join(REPO_ROOT, 'out', 'main', 'index.js'))) {
    throw new Error('the app is not built (out/main/index.js is missing): run npm run build first')
  }
  const { build, Platform, Arch } = await import('electron-builder')
  const electronVersion = installedElectronVersion()
  writeStandInElectronDist(electronDistFolder, electronVersion)
  const arch = process.arch === 'arm64' ? Arch.arm64 : Arch.x64
  const startedAt = performance.now()
  await build({
    projectDir: REPO_ROOT,
    targets: Platform.LINUX.createTarget(['dir'], arch),
    publish: 'never',
    config: {
      electronDist: electronDistFolder,
      electronVersion,
      npmRebuild: false,
      directories: { output: outputFolder },
      publish: null
    }
  })
  const appOutDir = join(outputFolder, arch === Arch.arm64 ? 'linux-arm64-unpacked' : 'linux-unpacked')
  return {
    appOutDir,
    resourcesPath: join(appOutDir, 'resources'),
    executable: join(appOutDir, readBuilderConfig().linux?.executableName ?? 'dnpu-lab'),
    seconds: (performance.now() - startedAt) / 1000
  }
}

interface LockPackage {
  version?: string
  dev?: boolean
}

/**
 * `name@version` of every package the package-lock marks `dev`: needed only by devDependencies
 * (a devDependency that a production dependency also needs is not marked).
 */
export function devOnlyPackages(): Set<string> {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockPackage>
  }
  const devOnly = new Set<string>()
  const needed = new Set<string>()
  for (const [path, entry] of Object.entries(lock.packages)) {
    const at = path.lastIndexOf('node_modules/')
    if (at < 0 || !entry.version) continue
    const key = `${path.slice(at + 'node_modules/'.length)}@${entry.version}`
    if (entry.dev) devOnly.add(key)
    else needed.add(key)
  }
  // The same name@version installed at two places, one of them for production, is needed.
  for (const key of needed) devOnly.delete(key)
  return devOnly
}

function readPackageJson(): { version: string; devDependencies: Record<string, string> } {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    version: string
    devDependencies: Record<string, string>
  }
}

export function devDependencyNames(): string[] {
  return Object.keys(readPackageJson().devDependencies)
}

export function appVersion(): string {
  return readPackageJson().version
}
