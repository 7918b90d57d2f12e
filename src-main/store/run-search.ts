/**
 * A search over runs as one SQL statement: the filter becomes a WHERE clause with bound
 * parameters, the sort an ORDER BY that an index of migration 9 serves, and the page a LIMIT /
 * OFFSET; the total is a count over the same WHERE. No value is ever spliced into the SQL text.
 */
import {
  DEFAULT_RUN_PAGE_SIZE,
  MAX_RUN_PAGE_SIZE,
  type RunFilter,
  type RunQuery,
  type RunSortKey
} from '../../src-shared/domain'

export interface SearchSql {
  where: string
  params: (string | number)[]
  orderBy: string
  limit: number
  offset: number
}

/** The column each sort reads; ties go by id (later runs have higher ids), so pages never overlap. */
const SORT_COLUMNS: Record<RunSortKey, string> = {
  date: 'started_at',
  fitness: 'best_fitness',
  correlation: 'best_correlation',
  accuracy: 'accuracy_percent',
  duration: 'duration_ms'
}

/** `%`, `_` and the escape character itself match literally (LIKE ... ESCAPE '\'). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`)
}

/** A time as started_at holds it (Date#toISOString, UTC), so text order is time order. */
function storedTime(text: string, what: string): string {
  const milliseconds = Date.parse(text)
  if (Number.isNaN(milliseconds)) throw new Error(`${what}: "${text}" is not a date or an ISO 8601 time`)
  return new Date(milliseconds).toISOString()
}

function anyOf(
  column: string,
  values: readonly (string | number)[] | undefined,
  clauses: string[],
  params: (string | number)[]
): void {
  if (values === undefined || values.length === 0) return
  clauses.push(`${column} IN (${values.map(() => '?').join(', ')})`)
  params.push(...values)
}

function whereOf(filter: RunFilter): { where: string; params: (string | number)[] } {
  const clauses: string[] = []
  const params: (string | number)[] = []
  anyOf('algorithm', filter.algorithms, clauses, params)
  anyOf('task', filter.tasks, clauses, params)
  anyOf('model_id', filter.modelIds, clauses, params)
  anyOf('device_profile_id', filter.deviceProfileIds, clauses, params)
  anyOf('calibration_id', filter.calibrationIds, clauses, params)
  anyOf('status', filter.statuses, clauses, params)
  if (filter.calibrationVersions !== undefined && filter.calibrationVersions.length > 0) {
    const marks = filter.calibrationVersions.map(() => '?').join(', ')
    clauses.push(`calibration_id IN (SELECT id FROM calibrations WHERE version IN (${marks}))`)
    params.push(...filter.calibrationVersions)
  }
  if (filter.startedSince !== undefined) {
    clauses.push('started_at >= ?')
    params.push(storedTime(filter.startedSince, 'startedSince'))
  }
  if (filter.startedUntil !== undefined) {
    clauses.push('started_at < ?')
    params.push(storedTime(filter.startedUntil, 'startedUntil'))
  }
  if (filter.tags !== undefined && filter.tags.length > 0) {
    clauses.push(`id IN (SELECT run_id FROM run_tags WHERE tag IN (${filter.tags.map(() => '?').join(', ')}))`)
    params.push(...filter.tags.map((tag) => tag.trim()))
  }
  if (filter.starred !== undefined) {
    // `starred = 1` as a literal, so the partial index runs_starred can serve it.
    clauses.push(filter.starred ? 'starred = 1' : 'starred = 0')
  }
  if (filter.text !== undefined && filter.text.trim() !== '') {
    // LIKE ignores the case of ASCII letters; the name may be NULL, hence ifnull.
    clauses.push("(ifnull(name, '') LIKE ? ESCAPE '\\' OR notes LIKE ? ESCAPE '\\' OR task LIKE ? ESCAPE '\\')")
    const pattern = `%${escapeLike(filter.text.trim())}%`
    params.push(pattern, pattern, pattern)
  }
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params }
}

/** The statement parts of a query; limit and offset are clamped to what the contract allows. */
export function searchSql(query: RunQuery): SearchSql {
  const { where, params } = whereOf(query.filter ?? {})
  const column = SORT_COLUMNS[query.sort ?? 'date']
  const direction = (query.order ?? 'desc') === 'desc' ? 'DESC' : 'ASC'
  // Runs without the value (a GD run has no fitness) come last in either direction. SQLite sorts
  // NULL lowest, so descending needs no clause and walks the column's index (each index ends in
  // the rowid, hence the id tie-break costs nothing); ascending sorts the matches instead.
  const nullsLast = direction === 'ASC' ? ' NULLS LAST' : ''
  const orderBy = `ORDER BY ${column} ${direction}${nullsLast}, id ${direction}`
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_RUN_PAGE_SIZE), 1), MAX_RUN_PAGE_SIZE)
  const offset = Math.max(Math.trunc(query.offset ?? 0), 0)
  return { where, params, orderBy, limit, offset }
}
