/**
 * The surrogate models training can use: the bundled demo device plus the models imported from
 * the lab's PyTorch files (kept in SQLite). Both are addressed by string id ("demo", "3").
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { IvCurve, ModelSummary } from '../../src-shared/ipc'
import {
  importTorchSurrogate,
  parseSurrogateJson,
  SurrogateModel,
  writeTorchSurrogate,
  type SurrogateDefinition
} from '../core'
import type { ModelsRepository, StoredModel } from '../store'

export const DEMO_MODEL_ID = 'demo'
const DEMO_MODEL_FILE = 'demo-surrogate.pt'

export interface CatalogEntry {
  summary: ModelSummary
  definition: SurrogateDefinition
}

/**
 * Reads a user's surrogate file into a definition. The app's reader runs the importer in a
 * limited worker thread (workers/surrogate-reader.ts), so a hostile file cannot take the process
 * down; it rejects with a TorchFileError saying why a file was refused.
 */
export type SurrogateFileReader = (
  bytes: Uint8Array
) => Promise<{ definition: SurrogateDefinition; warnings: string[] }>

export interface ImportResult {
  model: ModelSummary
  warnings: string[]
  /** True when the same file (same SHA-256) had been imported before: nothing new was stored. */
  alreadyImported: boolean
}

/** The JSON form of a model (what `parseSurrogateJson` reads, and what export writes). */
export function surrogateJsonOf(definition: SurrogateDefinition): {
  info: unknown
  layers: unknown
  activation: string
} {
  return { info: definition.info, layers: definition.layers, activation: definition.activation }
}

/**
 * The model the built-in Simulated DNPU plays (null: this process has no simulator). Asked at
 * each delete, since the technician can put another model in the simulator at any time.
 */
export type SimulatorModelLookup = () => string | null

/** The model's name with every run of characters a file name should not hold turned into one '-'. */
function exportFileName(entry: CatalogEntry, extension: 'json' | 'pt'): string {
  return `${entry.summary.name.replace(/[^\w.-]+/g, '-')}.${extension}`
}

/** The "source file" of a model trained in the app: the run that trained it. */
const TRAINED_SOURCE = /^run-\d+$/

export class ModelCatalog {
  private readonly bundled = new Map<string, CatalogEntry>()
  /** Parsed definitions of stored models, so a training start does not re-parse the weights. */
  private readonly parsed = new Map<string, CatalogEntry>()

  constructor(
    private readonly store: ModelsRepository | null = null,
    private readonly readSurrogateFile: SurrogateFileReader | null = null,
    private readonly simulatorModelId: SimulatorModelLookup = () => null
  ) {}

  static withBundledModels(
    resourcesFolder: string,
    store: ModelsRepository | null = null,
    readSurrogateFile: SurrogateFileReader | null = null,
    simulatorModelId?: SimulatorModelLookup
  ): ModelCatalog {
    const catalog = new ModelCatalog(store, readSurrogateFile, simulatorModelId)
    const file = join(resourcesFolder, DEMO_MODEL_FILE)
    let bytes: Uint8Array
    try {
      bytes = readFileSync(file)
    } catch (error) {
      throw new Error(`cannot read the bundled demo model ${file}: ${(error as Error).message}`)
    }
    // The demo goes through the same importer as a lab's own files, in-process: it ships with the
    // app, so it is trusted (and start-up needs no thread for it).
    const { definition, warnings } = importTorchSurrogate(bytes)
    catalog.bundled.set(DEMO_MODEL_ID, {
      summary: summarise(DEMO_MODEL_ID, 'Demo DNPU (bundled surrogate)', definition, {
        source: 'bundled',
        sourceFileName: DEMO_MODEL_FILE,
        importedAt: null,
        notes: 'A synthetic 8-electrode DNPU shipped with DNPU Lab.',
        warnings
      }),
      definition
    })
    return catalog
  }

  get(id: string): CatalogEntry | undefined {
    const bundled = this.bundled.get(id)
    if (bundled) return bundled
    const cached = this.parsed.get(id)
    if (cached) return cached
    const stored = this.store?.get(id)
    if (!stored) return undefined
    const entry = this.entryOf(stored)
    this.parsed.set(id, entry)
    return entry
  }

  /** The SHA-256 of the file an imported model came from; null for a bundled or unknown model. */
  sourceSha256(id: string): string | null {
    if (this.bundled.has(id)) return null
    return this.store?.get(id)?.sourceSha256 ?? null
  }

  ids(): string[] {
    return [...this.bundled.keys(), ...(this.store?.list().map((model) => model.id) ?? [])]
  }

  list(): ModelSummary[] {
    return [
      ...[...this.bundled.values()].map((entry) => entry.summary),
      ...(this.store?.list().map((model) => this.get(model.id)!.summary) ?? [])
    ]
  }

  /**
   * Imports a lab's PyTorch surrogate file, read off the main thread by the catalog's reader. A bad
   * or hostile file is refused with the importer's message (a TorchFileError) and nothing is
   * stored.
   */
  async importFile(
    fileName: string,
    bytes: Uint8Array,
    options: { name?: string; notes?: string } = {}
  ): Promise<ImportResult> {
    const store = this.requireStore()
    if (!this.readSurrogateFile) throw new Error('this catalog has no surrogate file reader')
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const known = () => store.findBySha256(sha256)
    const existing = known()
    if (existing) {
      return { model: this.get(existing.id)!.summary, warnings: existing.warnings, alreadyImported: true }
    }
    const { definition, warnings } = await this.readSurrogateFile(bytes)
    // The same file may have been imported while this one was being read (two uploads at once).
    const meanwhile = known()
    if (meanwhile) {
      return { model: this.get(meanwhile.id)!.summary, warnings: meanwhile.warnings, alreadyImported: true }
    }
    const stored = store.add({
      name: options.name?.trim() || basename(fileName).replace(/\.(pt|pth)$/i, ''),
      notes: options.notes,
      sourceFileName: basename(fileName),
      sourceSha256: sha256,
      definition: surrogateJsonOf(definition),
      warnings
    })
    return { model: this.get(stored.id)!.summary, warnings, alreadyImported: false }
  }

  /**
   * Stores a surrogate trained in the app (a surrogate training run's model). Its "source file"
   * is the run (`run-N`); its hash is the definition's, so the same weights are stored once.
   */
  addTrained(
    definition: SurrogateDefinition,
    options: { name: string; notes: string; sourceFileName: string }
  ): ModelSummary {
    const store = this.requireStore()
    const json = surrogateJsonOf(definition)
    // The importer's validator: a trained model is stored only if it reads back like any other.
    parseSurrogateJson(json)
    const sha256 = createHash('sha256').update(JSON.stringify(json)).digest('hex')
    const existing = store.findBySha256(sha256)
    if (existing) return this.get(existing.id)!.summary
    const stored = store.add({
      name: options.name,
      notes: options.notes,
      sourceFileName: options.sourceFileName,
      sourceSha256: sha256,
      definition: json,
      warnings: []
    })
    return this.get(stored.id)!.summary
  }

  rename(id: string, name: string): ModelSummary {
    if (this.bundled.has(id)) throw new Error(`id: the bundled model "${id}" cannot be renamed`)
    this.requireStore().rename(id, name)
    this.parsed.delete(id)
    return this.get(id)!.summary
  }

  setNotes(id: string, notes: string): ModelSummary {
    if (this.bundled.has(id)) throw new Error(`id: the bundled model "${id}" cannot be changed`)
    this.requireStore().setNotes(id, notes)
    this.parsed.delete(id)
    return this.get(id)!.summary
  }

  /**
   * Deletes an imported model. Refused for the bundled model, for the model the Simulated DNPU
   * plays (its device would vanish under a connection) and, by the store, for a model a run
   * refers to. The CLI has no delete command: the app's Models view is the one way to delete.
   */
  delete(id: string): { modelId: string } {
    if (this.simulatorModelId() === id)
      throw new Error(`model ${id} is the Simulated DNPU's device: put another model in it first`)
    if (this.bundled.has(id)) throw new Error(`id: the bundled model "${id}" cannot be deleted`)
    this.requireStore().delete(id)
    this.parsed.delete(id)
    return { modelId: id }
  }

  /**
   * The model as a JSON file the app reads back (`{info, layers, activation}`), named after the
   * model with every run of characters a file name should not hold turned into one '-'.
   */
  exportFile(id: string): { fileName: string; json: string } {
    const entry = this.require(id)
    return { fileName: exportFileName(entry, 'json'), json: JSON.stringify(surrogateJsonOf(entry.definition)) }
  }

  /**
   * The model as the torch.save file brainspy-smg writes ({'info', 'model_state_dict'}, float32
   * tensors), which PyTorch and this app's importer read back; named as exportFile names it.
   */
  exportTorchFile(id: string): { fileName: string; bytes: Uint8Array } {
    const entry = this.require(id)
    return { fileName: exportFileName(entry, 'pt'), bytes: writeTorchSurrogate(entry.definition) }
  }

  /**
   * IV curves from the model: each activation electrode swept across its voltage range with the
   * other electrodes at 0 V, all electrodes in one batched forward pass (nA, clipping applied).
   */
  async ivCurves(id: string, pointsPerElectrode = 101): Promise<{ modelId: string; curves: IvCurve[] }> {
    const entry = this.require(id)
    const ranges = entry.definition.voltageRangesVolts
    const electrodeCount = entry.definition.inputCount
    const sweeps = ranges.map(([lo, hi]) =>
      Array.from({ length: pointsPerElectrode }, (_, i) => lo + ((hi - lo) * i) / (pointsPerElectrode - 1))
    )
    const rows = new Float32Array(electrodeCount * pointsPerElectrode * electrodeCount)
    sweeps.forEach((voltages, electrode) =>
      voltages.forEach((volts, i) => {
        rows[(electrode * pointsPerElectrode + i) * electrodeCount + electrode] = volts
      })
    )
    const model = new SurrogateModel(entry.definition)
    try {
      const outputs = await model.forwardNanoamps(rows, electrodeCount * pointsPerElectrode)
      const curves = sweeps.map((voltagesVolts, electrode) => ({
        electrode,
        voltagesVolts,
        currentsNanoamps: voltagesVolts.map((_, i) => outputs[(electrode * pointsPerElectrode + i) * model.outputCount])
      }))
      return { modelId: id, curves }
    } finally {
      model.dispose()
    }
  }

  /** The entry, or the error a request naming an unknown model gets. */
  private require(id: string): CatalogEntry {
    const entry = this.get(id)
    if (!entry) throw new Error(`modelId: no model "${id}"`)
    return entry
  }

  private requireStore(): ModelsRepository {
    if (!this.store) throw new Error('this catalog has no model store')
    return this.store
  }

  private entryOf(stored: StoredModel): CatalogEntry {
    const definition = parseSurrogateJson(stored.definition)
    return {
      definition,
      summary: summarise(stored.id, stored.name, definition, {
        source: TRAINED_SOURCE.test(stored.sourceFileName) ? 'trained' : 'imported',
        sourceFileName: stored.sourceFileName,
        importedAt: stored.importedAt,
        notes: stored.notes,
        warnings: stored.warnings
      })
    }
  }
}

function summarise(
  id: string,
  name: string,
  definition: SurrogateDefinition,
  origin: Pick<ModelSummary, 'source' | 'sourceFileName' | 'importedAt' | 'notes' | 'warnings'>
): ModelSummary {
  return {
    id,
    name,
    ...origin,
    inputCount: definition.inputCount,
    outputCount: definition.outputCount,
    hiddenSizes: definition.hiddenSizes,
    activation: definition.activation,
    voltageRangesVolts: definition.voltageRangesVolts,
    amplification: definition.amplification[0],
    clippingValueNanoamps: definition.clippingValueNanoamps
  }
}
