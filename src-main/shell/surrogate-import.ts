/**
 * Importing a surrogate file from outside the page: the menu's "Import surrogate…", a `.pt`
 * given on the command line (a file association), macOS's open-file. Main reads the file and
 * sends it through the same request handler as the renderer's `models:import`, so the same
 * schema, limits and untrusted-file reader apply; then the page is told to show the model.
 */
import type { MessageBoxOptions } from 'electron'
import { readFile, stat } from 'node:fs/promises'
import { basename, isAbsolute, resolve } from 'node:path'
import { MAX_MODEL_FILE_BYTES, type ModelImportedEvent } from '../../src-shared/ipc'
import type { RequestHandler } from '../services/request-handler'

export const SURROGATE_FILE_EXTENSION = 'pt'

export type SurrogateImportResult = ({ ok: true } & ModelImportedEvent) | { ok: false; fileName: string; error: string }

export interface SurrogateImportDeps {
  handleRequest: RequestHandler
  /** Tells the page a model was stored (new or already there). */
  notify: (event: ModelImportedEvent) => void
}

/** A path that names a surrogate file (`.pt`, any case), not an option. */
export function isSurrogatePath(path: string): boolean {
  return !path.startsWith('-') && path.toLowerCase().endsWith(`.${SURROGATE_FILE_EXTENSION}`)
}

/** `.pt` files named on a command line: not the executable, not an option; absolute. */
export function surrogatePathsFromArgv(argv: readonly string[], workingDirectory: string): string[] {
  const paths = argv
    .slice(1)
    .filter(isSurrogatePath)
    .map((arg) => (isAbsolute(arg) ? arg : resolve(workingDirectory, arg)))
  return [...new Set(paths)]
}

function bytesText(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} bytes`
}

export async function importSurrogateFile(path: string, deps: SurrogateImportDeps): Promise<SurrogateImportResult> {
  const fileName = basename(path)
  const refuse = (error: string): SurrogateImportResult => ({ ok: false, fileName, error })
  let contentBase64: string
  try {
    const info = await stat(path)
    if (!info.isFile()) return refuse(`${path} is not a file.`)
    if (info.size === 0) return refuse(`${fileName} is empty.`)
    // Checked before reading: a huge file is refused without being read into memory.
    if (info.size > MAX_MODEL_FILE_BYTES) {
      return refuse(
        `${fileName} is ${bytesText(info.size)}; model files of up to ${bytesText(MAX_MODEL_FILE_BYTES)} ` +
          `(${MAX_MODEL_FILE_BYTES / 1024 / 1024} MiB) can be imported.`
      )
    }
    contentBase64 = (await readFile(path)).toString('base64')
  } catch (error) {
    return refuse(`could not read ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const envelope = await deps.handleRequest('models:import', { fileName, contentBase64 })
  if (!envelope.ok) return refuse(envelope.error)
  const answer = envelope.value as Omit<ModelImportedEvent, 'fileName'>
  const event: ModelImportedEvent = { ...answer, fileName }
  deps.notify(event)
  return { ok: true, ...event }
}

/** The dialog that says how an import went, in the words the Models view uses. */
export function importResultMessage(result: SurrogateImportResult): MessageBoxOptions {
  if (!result.ok) {
    return {
      type: 'error',
      title: 'Import surrogate',
      message: `${result.fileName} was not imported.`,
      detail: result.error
    }
  }
  const model = `model ${result.model.id}, “${result.model.name}”`
  const detail = result.alreadyImported
    ? ["This file's contents are stored already; nothing new was added."]
    : ['It is listed in Models and can be used for training.']
  if (result.warnings.length > 0) {
    detail.push('The file lacks some settings; these defaults were used:', ...result.warnings.map((w) => `• ${w}`))
  }
  return {
    type: 'info',
    title: 'Import surrogate',
    message: result.alreadyImported
      ? `${result.fileName} was already imported as ${model}.`
      : `${result.fileName} was imported as ${model}.`,
    detail: detail.join('\n')
  }
}

/**
 * Paths wait here until the app can import (a file association's path arrives before the
 * services exist; macOS's open-file even before 'ready'), then go one at a time, so their
 * dialogs come one after another.
 */
export class SurrogateImportQueue {
  readonly #pending: string[] = []
  #run: ((path: string) => Promise<void>) | null = null
  #draining = false

  constructor(private readonly onError: (message: string) => void) {}

  add(paths: readonly string[]): void {
    this.#pending.push(...paths)
    void this.#drain()
  }

  /** From now on paths are imported with `run`; those waiting go first. */
  start(run: (path: string) => Promise<void>): void {
    this.#run = run
    void this.#drain()
  }

  get pendingCount(): number {
    return this.#pending.length
  }

  async #drain(): Promise<void> {
    if (this.#draining || !this.#run) return
    this.#draining = true
    try {
      for (let path = this.#pending.shift(); path !== undefined; path = this.#pending.shift()) {
        try {
          await this.#run(path)
        } catch (error) {
          this.onError(`importing ${path} failed: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
    } finally {
      this.#draining = false
    }
  }
}
