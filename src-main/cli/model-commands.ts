/**
 * `dnpu models ...`: import, list, evaluate and export surrogate models. Deleting is the app's
 * (Models view); its rules (the simulator's model) live in ModelCatalog, so a CLI command for it
 * would call `models.delete`, as `models export` calls `models.exportTorchFile` / `exportFile`.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { SurrogateModel, TORCH_FILE_LIMITS, TorchFileError, formatCount, overLimit } from '../core'
import type { AppServices } from '../services/app-services'
import { openServices, printJson } from './commands'
import { CliError, type CliContext } from './program'

function readFileOrExplain(file: string, what: string): Buffer {
  try {
    return readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CliError(
      code === 'ENOENT' ? `${what} ${file} does not exist` : `cannot read ${what} ${file}: ${(error as Error).message}`
    )
  }
}

/**
 * A model file's bytes. Its size is checked before it is read: a file over the import limit is
 * refused without loading it (exit code 2, as for every refused file).
 */
export function readModelFile(file: string, what: string): Buffer {
  let stats
  try {
    stats = statSync(file)
  } catch {
    return readFileOrExplain(file, what) // which says what is wrong with the path
  }
  // A device or pipe has no size to check and may never end (/dev/zero): only files are read.
  if (!stats.isFile()) throw new CliError(`${what} ${file} is not a regular file`)
  if (stats.size > TORCH_FILE_LIMITS.fileBytes)
    throw modelFileError(file, overLimit('fileBytes', `the file is ${formatCount(stats.size)} bytes`))
  return readFileOrExplain(file, what)
}

/** A refused model file is bad input (exit code 2); anything else went wrong on our side (1). */
export function modelFileError(prefix: string, error: unknown): CliError {
  const message = error instanceof Error ? error.message : String(error)
  return new CliError(`${prefix}: ${message}`, error instanceof TorchFileError ? 2 : 1)
}

async function withServices<T>(
  context: CliContext,
  dataFolder: string,
  use: (services: AppServices) => Promise<T> | T
): Promise<T> {
  const services = await openServices(context, dataFolder)
  try {
    return await use(services)
  } finally {
    await services.close()
  }
}

export async function runModelsImport(
  context: CliContext,
  dataFolder: string,
  file: string,
  options: { name?: string; json?: boolean }
): Promise<void> {
  const bytes = readModelFile(file, 'model file')
  await withServices(context, dataFolder, async (services) => {
    let result
    try {
      result = await services.models.importFile(file, bytes, { name: options.name })
    } catch (error) {
      throw modelFileError(file, error)
    }
    const { model, warnings, alreadyImported } = result
    const entry = services.models.get(model.id)!
    if (options.json) {
      printJson({
        id: model.id,
        name: model.name,
        structure: {
          inputCount: model.inputCount,
          hiddenSizes: model.hiddenSizes,
          outputCount: model.outputCount,
          activation: model.activation
        },
        info: entry.definition.info,
        warnings,
        alreadyImported
      })
      return
    }
    process.stdout.write(
      `${alreadyImported ? 'already imported' : 'imported'} as model ${model.id} "${model.name}": ` +
        `${model.inputCount} -> [${model.hiddenSizes.join(', ')}] -> ${model.outputCount}, ${model.activation}\n`
    )
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`)
  })
}

export async function runModelsList(context: CliContext, dataFolder: string, json: boolean): Promise<void> {
  await withServices(context, dataFolder, (services) => {
    const models = services.models.list()
    if (json) {
      printJson(models)
      return
    }
    for (const model of models) {
      process.stdout.write(
        `${model.id.padEnd(6)} ${model.name.padEnd(32)} ${model.source.padEnd(9)} ${model.inputCount} -> [${model.hiddenSizes.join(', ')}] -> ${model.outputCount} ${model.activation}\n`
      )
    }
  })
}

export async function runModelsEval(
  context: CliContext,
  dataFolder: string,
  id: string,
  options: { inputs: string; json?: boolean }
): Promise<void> {
  let rows: unknown
  try {
    rows = JSON.parse(readFileOrExplain(options.inputs, 'inputs file').toString('utf8'))
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError(`--inputs ${options.inputs} is not valid JSON: ${(error as Error).message}`)
  }
  await withServices(context, dataFolder, async (services) => {
    const entry = services.models.get(id)
    if (!entry) throw new CliError(`no model "${id}" (see dnpu models list)`)
    const columnCount = entry.definition.inputCount
    const voltages = checkRows(rows, columnCount, options.inputs)
    const model = new SurrogateModel(entry.definition)
    try {
      const outputs = await model.forwardNanoamps(Float32Array.from(voltages.flat()), voltages.length)
      const perRow = voltages.map((_, row) =>
        Array.from(outputs.subarray(row * model.outputCount, (row + 1) * model.outputCount))
      )
      const flat = model.outputCount === 1 ? perRow.map((values) => values[0]) : perRow
      if (options.json) printJson({ outputs: flat })
      else for (const value of flat) process.stdout.write(`${JSON.stringify(value)}\n`)
    } finally {
      model.dispose()
    }
  })
}

/** Rows of finite voltages, one per activation electrode; the error names the first bad cell. */
function checkRows(rows: unknown, columnCount: number, file: string): number[][] {
  if (!Array.isArray(rows) || rows.length === 0) throw new CliError(`${file}: expected a non-empty JSON array of rows`)
  rows.forEach((row, index) => {
    if (!Array.isArray(row) || row.length !== columnCount) {
      throw new CliError(
        `${file}: row ${index} must be an array of ${columnCount} voltages (one per activation electrode)`
      )
    }
    row.forEach((value, column) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new CliError(`${file}: row ${index}, column ${column} is not a finite number: ${JSON.stringify(value)}`)
      }
    })
  })
  return rows as number[][]
}

export const MODEL_EXPORT_FORMATS = ['pt', 'json'] as const
export type ModelExportFormat = (typeof MODEL_EXPORT_FORMATS)[number]

/**
 * `dnpu models export ID --output FILE [--format pt|json]`: the model as the brainspy-smg .pt
 * file (default) or the app's JSON. Exit codes: 2 for bad input (an unknown format or model, an
 * existing output file without --force), 1 when the file cannot be written.
 */
export async function runModelsExport(
  context: CliContext,
  dataFolder: string,
  id: string,
  options: { output: string; format?: string; force?: boolean; json?: boolean }
): Promise<void> {
  const command = 'models export'
  const format = (options.format ?? 'pt') as ModelExportFormat
  if (!MODEL_EXPORT_FORMATS.includes(format))
    throw new CliError(`${command}: --format must be ${MODEL_EXPORT_FORMATS.join(' or ')}, got "${options.format}"`)
  const exists = () =>
    new CliError(`${command}: ${options.output} already exists; not overwriting it (add --force to replace it)`)
  if (!options.force && existsSync(options.output)) throw exists()
  const bytes = await withServices(context, dataFolder, (services) => {
    if (!services.models.get(id)) throw new CliError(`${command}: no model "${id}" (see dnpu models list)`)
    try {
      if (format === 'json') return new TextEncoder().encode(services.models.exportFile(id).json)
      return services.models.exportTorchFile(id).bytes
    } catch (error) {
      // A stored model whose numbers a .pt cannot hold (a weight beyond float32): the model's fault.
      if (!(error instanceof RangeError)) throw error
      throw new CliError(`${command}: model ${id} cannot be exported as ${format}: ${(error as Error).message}`)
    }
  })
  try {
    writeFileSync(options.output, bytes, { flag: options.force ? 'w' : 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw exists()
    throw new CliError(`${command}: cannot write ${options.output}: ${(error as Error).message}`, 1)
  }
  if (options.json) printJson({ file: options.output, modelId: id, format, bytes: bytes.length })
  else
    process.stdout.write(
      `wrote model ${id} as ${format} (${bytes.length.toLocaleString('en-US')} bytes) to ${options.output}\n`
    )
}
