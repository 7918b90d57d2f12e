/**
 * Where the app finds the files it reads at run time, in a clone and in an installed app: one
 * rule for the shell, the CLI and the packaging test, matching what electron-builder.yml puts
 * where.
 *
 * Installed (electron-builder), under Electron's `process.resourcesPath`:
 *   app.asar                        the build (out/), bin/, package.json, production node_modules
 *   app.asar.unpacked/              what must be a real file: native modules, tfjs's .wasm
 *   resources/demo-surrogate.pt     the bundled demo (extraResources)
 * In a clone everything is under the repository root.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { toUnpackedPath } from '../core/asar-unpacked'
import { TFJS_WASM_PACKAGE } from '../core/tfjs-wasm-package'

export const DEMO_SURROGATE_FILE_NAME = 'demo-surrogate.pt'
/** The field electron-builder.yml's extraMetadata adds to the packaged package.json. */
export const PACKAGED_MARKER = 'dnpuPackaged'

export interface ResourcePathsInput {
  /** Electron's `app.isPackaged`; for the CLI, whether its package.json carries the packaged marker. */
  isPackaged: boolean
  /** Electron's `process.resourcesPath`: the folder holding app.asar. Used only when packaged. */
  resourcesPath: string
  /** The folder with the app's package.json: Electron's `app.getAppPath()` (`<resourcesPath>/app.asar` when packaged), the repository root in a clone. */
  appRoot: string
}

export interface ResourcePaths {
  /** The bundled data files: what the shell and the CLI pass as `resourcesFolder`. */
  resourcesFolder: string
  demoSurrogateFile: string
  /** The app's code: out/, bin/, node_modules (the archive when packaged). */
  appFolder: string
  /** Real files on disk: app.asar.unpacked when packaged, else the app folder itself. */
  unpackedAppFolder: string
  /** tfjs's .wasm binaries; core/compute-backend.ts's wasmBinaryFolder() gives the same folder. */
  wasmFolder: string
  /** The main-process chunks, among them the trainer and surrogate-reader worker files. */
  mainChunksFolder: string
  /** The `dnpu` launcher (bin/dnpu.js), which loads out/main/cli.js. */
  cliLauncherFile: string
}

export function resolveResourcePaths(input: ResourcePathsInput): ResourcePaths {
  const appFolder = input.appRoot
  const unpackedAppFolder = toUnpackedPath(appFolder)
  const resourcesFolder = input.isPackaged ? join(input.resourcesPath, 'resources') : join(input.appRoot, 'resources')
  return {
    resourcesFolder,
    demoSurrogateFile: join(resourcesFolder, DEMO_SURROGATE_FILE_NAME),
    appFolder,
    unpackedAppFolder,
    wasmFolder: join(unpackedAppFolder, 'node_modules', ...TFJS_WASM_PACKAGE.split('/'), 'dist'),
    mainChunksFolder: join(appFolder, 'out', 'main', 'chunks'),
    cliLauncherFile: join(appFolder, 'bin', 'dnpu.js')
  }
}

/**
 * The paths seen by code running from `installRoot` without Electron (the CLI). A packaged copy
 * is told by the marker in its package.json; its resources folder is then beside it, as for the
 * desktop app (installRoot is `<resourcesPath>/app.asar`, or an extracted `<resourcesPath>/app`).
 */
export function resourcePathsForInstall(installRoot: string): ResourcePaths & { version: string } {
  const packageJson = JSON.parse(readFileSync(join(installRoot, 'package.json'), 'utf8')) as {
    version: string
    [PACKAGED_MARKER]?: unknown
  }
  const paths = resolveResourcePaths({
    isPackaged: packageJson[PACKAGED_MARKER] === true,
    resourcesPath: dirname(installRoot),
    appRoot: installRoot
  })
  return { ...paths, version: packageJson.version }
}
