/**
 * Imported surrogate models. Ids are integers in SQLite and strings everywhere else (`"3"`), so
 * they share one namespace with the bundled models (`"demo"`) that runs refer to.
 */
import type BetterSqlite3 from 'better-sqlite3'

type Database = BetterSqlite3.Database

export interface StoredModel {
  id: string
  name: string
  notes: string
  sourceFileName: string
  sourceSha256: string
  importedAt: string
  /** The model in the app's JSON form (what `parseSurrogateJson` reads). */
  definition: unknown
  warnings: string[]
}

export interface NewModel {
  name: string
  notes?: string
  sourceFileName: string
  sourceSha256: string
  definition: unknown
  warnings: string[]
  importedAt?: Date
}

interface ModelRow {
  id: number
  name: string
  notes: string
  source_file_name: string
  source_sha256: string
  imported_at: string
  definition_json: string
  warnings_json: string
}

function toModel(row: ModelRow): StoredModel {
  return {
    id: String(row.id),
    name: row.name,
    notes: row.notes,
    sourceFileName: row.source_file_name,
    sourceSha256: row.source_sha256,
    importedAt: row.imported_at,
    definition: JSON.parse(row.definition_json) as unknown,
    warnings: JSON.parse(row.warnings_json) as string[]
  }
}

/** `"3"` -> 3; anything else (e.g. `"demo"`) is not a stored model id. */
function rowId(id: string): number | null {
  return /^[1-9]\d*$/.test(id) ? Number(id) : null
}

export class ModelsRepository {
  constructor(private readonly db: Database) {}

  add(model: NewModel): StoredModel {
    const name = model.name.trim()
    if (name === '') throw new Error('name: a model needs a name')
    const result = this.db
      .prepare(
        `INSERT INTO models (name, notes, source_file_name, source_sha256, imported_at, definition_json, warnings_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`
      )
      .run(
        name,
        model.notes ?? '',
        model.sourceFileName,
        model.sourceSha256,
        (model.importedAt ?? new Date()).toISOString(),
        JSON.stringify(model.definition),
        JSON.stringify(model.warnings)
      )
    return this.get(String(result.lastInsertRowid))!
  }

  get(id: string): StoredModel | null {
    const numeric = rowId(id)
    if (numeric === null) return null
    const row = this.db.prepare<[number], ModelRow>('SELECT * FROM models WHERE id = ?').get(numeric)
    return row ? toModel(row) : null
  }

  findBySha256(sha256: string): StoredModel | null {
    const row = this.db.prepare<[string], ModelRow>('SELECT * FROM models WHERE source_sha256 = ?').get(sha256)
    return row ? toModel(row) : null
  }

  list(): StoredModel[] {
    return this.db.prepare<[], ModelRow>('SELECT * FROM models ORDER BY id').all().map(toModel)
  }

  rename(id: string, name: string): StoredModel {
    const trimmed = name.trim()
    if (trimmed === '') throw new Error('name: a model needs a name')
    const changes = this.db.prepare('UPDATE models SET name = ? WHERE id = ?').run(trimmed, rowId(id) ?? -1).changes
    if (changes === 0) throw new Error(`id: no imported model ${id}`)
    return this.get(id)!
  }

  /** Replaces the model's notes (free text: device, date measured, ...). */
  setNotes(id: string, notes: string): StoredModel {
    const changes = this.db.prepare('UPDATE models SET notes = ? WHERE id = ?').run(notes, rowId(id) ?? -1).changes
    if (changes === 0) throw new Error(`id: no imported model ${id}`)
    return this.get(id)!
  }

  /** Refused while any run refers to the model: its runs must stay reproducible. */
  delete(id: string): void {
    const numeric = rowId(id)
    this.db.transaction(() => {
      const model = numeric === null ? undefined : this.db.prepare('SELECT id FROM models WHERE id = ?').get(numeric)
      if (!model) throw new Error(`id: no imported model ${id}`)
      const runIds = this.db
        .prepare<[string], number>('SELECT id FROM runs WHERE model_id = ? ORDER BY id')
        .pluck()
        .all(id)
      if (runIds.length > 0) {
        throw new Error(
          `model ${id} is used by run${runIds.length > 1 ? 's' : ''} ${runIds.join(', ')}: it cannot be deleted while runs refer to it`
        )
      }
      this.db.prepare('DELETE FROM models WHERE id = ?').run(numeric)
    })()
  }
}
