/**
 * A run as a notebook entry: its name, star, notes (stamped when saved) and free tags. Every
 * bound is checked here, where every face (app, browser, CLI) meets it, and each refusal names
 * what was wrong; one change is written in one transaction, or not at all.
 */
import type BetterSqlite3 from 'better-sqlite3'
import {
  MAX_RUN_NAME_CHARS,
  MAX_RUN_NOTES_CHARS,
  MAX_TAGS_PER_RUN,
  normalizeTag,
  type RunAnnotation,
  type TagCount
} from '../../src-shared/domain'
import type { Database } from './database'

type Statement<Params extends unknown[], Result = unknown> = BetterSqlite3.Statement<Params, Result>

function normalizeTags(tags: readonly string[] | undefined, runId: number): string[] {
  const byLowerCase = new Map<string, string>()
  for (const text of tags ?? []) {
    const result = normalizeTag(text)
    if (!result.ok) throw new Error(`run ${runId}: ${result.error}`)
    // Tags compare without case: the first spelling given is the one kept.
    if (!byLowerCase.has(result.tag.toLowerCase())) byLowerCase.set(result.tag.toLowerCase(), result.tag)
  }
  return [...byLowerCase.values()]
}

export class RunAnnotations {
  private readonly selectExists: Statement<[number], number>
  private readonly updateName: Statement<[string | null, number]>
  private readonly updateStarred: Statement<[number, number]>
  private readonly updateNotes: Statement<[string, string, number]>
  private readonly insertTag: Statement<[number, string]>
  private readonly deleteTag: Statement<[number, string]>
  private readonly countTags: Statement<[number], number>
  private readonly selectTagsOf: Statement<[number], string>
  private readonly selectTagsIn: Statement<[string], { run_id: number; tag: string }>
  private readonly selectTagCounts: Statement<[], TagCount>
  private readonly annotateAtomically: (runId: number, change: RunAnnotation) => void

  constructor(
    db: Database,
    private readonly now: () => Date
  ) {
    this.selectExists = db.prepare<[number], number>('SELECT 1 FROM runs WHERE id = ?').pluck()
    this.updateName = db.prepare('UPDATE runs SET name = ? WHERE id = ?')
    this.updateStarred = db.prepare('UPDATE runs SET starred = ? WHERE id = ?')
    this.updateNotes = db.prepare('UPDATE runs SET notes = ?, notes_updated_at = ? WHERE id = ?')
    this.insertTag = db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)')
    this.deleteTag = db.prepare('DELETE FROM run_tags WHERE run_id = ? AND tag = ?')
    this.countTags = db.prepare<[number], number>('SELECT count(*) FROM run_tags WHERE run_id = ?').pluck()
    this.selectTagsOf = db.prepare<[number], string>('SELECT tag FROM run_tags WHERE run_id = ? ORDER BY tag').pluck()
    // The ids come as one JSON array, so a page of any size is one statement.
    this.selectTagsIn = db.prepare(
      'SELECT run_id, tag FROM run_tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, tag'
    )
    this.selectTagCounts = db.prepare('SELECT tag, count(*) AS runs FROM run_tags GROUP BY tag ORDER BY runs DESC, tag')
    this.annotateAtomically = db.transaction((runId: number, change: RunAnnotation) => this.write(runId, change))
  }

  /** Applies the change; throws, naming the run and the bound, if the run is unknown or a value is out of bounds. */
  annotate(runId: number, change: RunAnnotation): void {
    this.annotateAtomically(runId, change)
  }

  tagsOf(runId: number): string[] {
    return this.selectTagsOf.all(runId)
  }

  /** The tags of each of `runIds` (runs without tags are absent). */
  tagsByRun(runIds: readonly number[]): Map<number, string[]> {
    const byRun = new Map<number, string[]>()
    if (runIds.length === 0) return byRun
    for (const { run_id: runId, tag } of this.selectTagsIn.all(JSON.stringify(runIds))) {
      const tags = byRun.get(runId)
      if (tags) tags.push(tag)
      else byRun.set(runId, [tag])
    }
    return byRun
  }

  /** Every tag in use, with how many runs carry it: most used first (for autocompletion). */
  tagCounts(): TagCount[] {
    return this.selectTagCounts.all()
  }

  private write(runId: number, change: RunAnnotation): void {
    if (this.selectExists.get(runId) === undefined) throw new Error(`runId: no run ${runId}`)
    if (change.name !== undefined) {
      const name = change.name === null ? '' : change.name.trim()
      if (name.length > MAX_RUN_NAME_CHARS)
        throw new Error(`run ${runId}: the name is ${name.length} characters, at most ${MAX_RUN_NAME_CHARS}`)
      this.updateName.run(name === '' ? null : name, runId)
    }
    if (change.starred !== undefined) this.updateStarred.run(change.starred ? 1 : 0, runId)
    if (change.notes !== undefined) {
      if (change.notes.length > MAX_RUN_NOTES_CHARS)
        throw new Error(`run ${runId}: the notes are ${change.notes.length} characters, at most ${MAX_RUN_NOTES_CHARS}`)
      this.updateNotes.run(change.notes, this.now().toISOString(), runId)
    }
    // Removed before added, so a tag named in both (a rename of its case) ends up as added.
    for (const tag of normalizeTags(change.removeTags, runId)) this.deleteTag.run(runId, tag)
    for (const tag of normalizeTags(change.addTags, runId)) this.insertTag.run(runId, tag)
    const tagCount = this.countTags.get(runId) ?? 0
    if (tagCount > MAX_TAGS_PER_RUN)
      throw new Error(`run ${runId}: would carry ${tagCount} tags, at most ${MAX_TAGS_PER_RUN}`)
  }
}
