/**
 * The surrogate models training can use. For now only the bundled demo device; the model store
 * (imported PyTorch files in SQLite) will add to this list.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ModelSummary } from '../../src-preload/contract'
import { parseSurrogateJson, type SurrogateDefinition } from '../core'

export const DEMO_MODEL_ID = 'demo'
const DEMO_MODEL_FILE = 'demo-surrogate.json'

export interface CatalogEntry {
  summary: ModelSummary
  definition: SurrogateDefinition
}

export class ModelCatalog {
  private readonly entries = new Map<string, CatalogEntry>()

  static withBundledModels(resourcesFolder: string): ModelCatalog {
    const catalog = new ModelCatalog()
    const file = join(resourcesFolder, DEMO_MODEL_FILE)
    let json: unknown
    try {
      json = JSON.parse(readFileSync(file, 'utf8'))
    } catch (error) {
      throw new Error(`cannot read the bundled demo model ${file}: ${(error as Error).message}`)
    }
    catalog.add(DEMO_MODEL_ID, 'Demo DNPU (bundled surrogate)', parseSurrogateJson(json))
    return catalog
  }

  add(id: string, name: string, definition: SurrogateDefinition): void {
    this.entries.set(id, { summary: summarise(id, name, definition), definition })
  }

  get(id: string): CatalogEntry | undefined {
    return this.entries.get(id)
  }

  ids(): string[] {
    return [...this.entries.keys()]
  }

  list(): ModelSummary[] {
    return [...this.entries.values()].map((entry) => entry.summary)
  }
}

function summarise(id: string, name: string, definition: SurrogateDefinition): ModelSummary {
  return {
    id,
    name,
    source: 'bundled',
    inputCount: definition.inputCount,
    outputCount: definition.outputCount,
    hiddenSizes: definition.hiddenSizes,
    activation: definition.activation,
    voltageRangesVolts: definition.voltageRangesVolts,
    amplification: definition.amplification[0],
    clippingValueNanoamps: definition.clippingValueNanoamps
  }
}
