/**
 * History's search as the URL keeps it: a query after the view id in the hash
 * (`#history?algorithm=ga&tag=gold&sort=fitness&order=desc&page=2`), so a filter survives a
 * reload, a bookmark and a visit to another view. The hash is anyone's to edit: every parameter
 * is checked and a wrong or unknown one is dropped, never thrown.
 */
import {
  ALGORITHMS,
  DEFAULT_RUN_PAGE_SIZE,
  MAX_RUN_SEARCH_TEXT_CHARS,
  normalizeTag,
  RUN_SORT_KEYS,
  RUN_STATUSES,
  type Algorithm,
  type RunFilter,
  type RunQuery,
  type RunSortKey,
  type RunStatus,
  type SortOrder
} from '../../../src-shared/domain'

/** What the filter bar shows; every field optional, defaults left out. */
export interface HistoryQuery {
  algorithm?: Algorithm
  status?: RunStatus
  task?: string
  model?: string
  /** A device profile's id: runs made on that instrument. */
  device?: number
  /** A calibration's id (one version of the device's calibration): runs made under it. */
  calibration?: number
  tag?: string
  starred?: true
  text?: string
  /** Local calendar days (YYYY-MM-DD), both included. */
  since?: string
  until?: string
  /** Default `date`. */
  sort?: RunSortKey
  /** Default `desc`. */
  order?: SortOrder
  /** 1-based; left out for the first page. */
  page?: number
}

export const HISTORY_PAGE_SIZE = DEFAULT_RUN_PAGE_SIZE
/** A hash query longer than this is cut before parsing (a hostile URL allocates no more). */
const MAX_HASH_QUERY_CHARS = 4000
const MAX_NAME_CHARS = 200
const MAX_PAGE = 1_000_000
const MAX_ID = 2 ** 31 - 1
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/
/** The order of the parameters in the URL (stable, so equal queries give equal hashes). */
const KEYS = [
  'algorithm',
  'status',
  'task',
  'model',
  'device',
  'calibration',
  'tag',
  'starred',
  'text',
  'since',
  'until',
  'sort',
  'order',
  'page'
] as const

function oneOf<T extends string>(values: readonly T[], text: string): T | undefined {
  return (values as readonly string[]).includes(text) ? (text as T) : undefined
}

function boundedText(text: string, max: number): string | undefined {
  const trimmed = text.trim()
  return trimmed.length > 0 && trimmed.length <= max ? trimmed : undefined
}

/** A calendar day as a local Date at midnight, or null if `text` is not a real YYYY-MM-DD day. */
function localDay(text: string): Date | null {
  const match = DAY_PATTERN.exec(text)
  if (!match) return null
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(year, month - 1, day)
  // new Date rolls 2026-02-31 over into March: a day that moved was not a real one.
  return date.getFullYear() === year && date.getMonth() === month - 1 && date.getDate() === day ? date : null
}

function parseValue(key: (typeof KEYS)[number], value: string): HistoryQuery[keyof HistoryQuery] {
  switch (key) {
    case 'algorithm':
      return oneOf(ALGORITHMS, value)
    case 'status':
      return oneOf(RUN_STATUSES, value)
    case 'task':
    case 'model':
      return boundedText(value, MAX_NAME_CHARS)
    case 'tag': {
      const tag = normalizeTag(value)
      return tag.ok ? tag.tag : undefined
    }
    case 'device':
    case 'calibration': {
      if (!/^\d{1,10}$/.test(value)) return undefined
      const id = Number(value)
      return id >= 1 && id <= MAX_ID ? id : undefined
    }
    case 'starred':
      return value === '1' || value === 'true' ? true : undefined
    case 'text':
      return boundedText(value, MAX_RUN_SEARCH_TEXT_CHARS)
    case 'since':
    case 'until':
      return localDay(value) ? value : undefined
    case 'sort':
      return oneOf(RUN_SORT_KEYS, value)
    case 'order':
      return oneOf(['asc', 'desc'] as const, value)
    case 'page': {
      if (!/^\d{1,7}$/.test(value)) return undefined
      const page = Number(value)
      return page >= 2 && page <= MAX_PAGE ? page : undefined
    }
  }
}

/** The query part of a hash (`#history?a=b` → `a=b`), '' when there is none. */
export function hashQueryOf(hash: string): string {
  const at = hash.indexOf('?')
  return at < 0 ? '' : hash.slice(at + 1)
}

/** The view id of a hash (`#history?a=b` → `history`). */
export function hashViewOf(hash: string): string {
  const withoutMark = hash.replace(/^#/, '')
  const at = withoutMark.indexOf('?')
  return at < 0 ? withoutMark : withoutMark.slice(0, at)
}

/** A hash query (without `?`) as a HistoryQuery; what is wrong or unknown is left out. */
export function parseHistoryQuery(text: string): HistoryQuery {
  let params: URLSearchParams
  try {
    params = new URLSearchParams(text.slice(0, MAX_HASH_QUERY_CHARS))
  } catch {
    return {}
  }
  const query: Record<string, unknown> = {}
  for (const key of KEYS) {
    const value = params.get(key)
    if (value === null) continue
    const parsed = parseValue(key, value)
    if (parsed !== undefined) query[key] = parsed
  }
  // The defaults are not written, so equal searches have one URL.
  if (query.sort === 'date') delete query.sort
  if (query.order === 'desc') delete query.order
  return query as HistoryQuery
}

/** A HistoryQuery as a hash query (without `?`), defaults and empty fields left out. */
export function formatHistoryQuery(query: HistoryQuery): string {
  const params = new URLSearchParams()
  for (const key of KEYS) {
    const value = query[key]
    if (value === undefined || value === '') continue
    if (key === 'sort' && value === 'date') continue
    if (key === 'order' && value === 'desc') continue
    if (key === 'page' && value === 1) continue
    params.set(key, value === true ? '1' : String(value))
  }
  return params.toString()
}

/** The same search from its first page (what a changed filter shows). */
export function withoutPage(query: HistoryQuery): HistoryQuery {
  const rest = { ...query }
  delete rest.page
  return rest
}

/** Whether any filter (not the sort or the page) is set. */
export function isFiltered(query: HistoryQuery): boolean {
  const { sort: _sort, order: _order, page: _page, ...filter } = query
  return Object.values(filter).some((value) => value !== undefined && value !== '')
}

/**
 * The request for runs:find. Days are the user's local days: `since` is the start of that day,
 * `until` the start of the next one (the store's until is exclusive), both sent as UTC times.
 */
export function toRunQuery(query: HistoryQuery, pageSize = HISTORY_PAGE_SIZE): RunQuery {
  const filter: RunFilter = {}
  if (query.algorithm) filter.algorithms = [query.algorithm]
  if (query.status) filter.statuses = [query.status]
  if (query.task) filter.tasks = [query.task]
  if (query.model) filter.modelIds = [query.model]
  if (query.device) filter.deviceProfileIds = [query.device]
  if (query.calibration) filter.calibrationIds = [query.calibration]
  if (query.tag) filter.tags = [query.tag]
  if (query.starred) filter.starred = true
  if (query.text?.trim()) filter.text = query.text.trim()
  const since = query.since ? localDay(query.since) : null
  if (since) filter.startedSince = since.toISOString()
  const until = query.until ? localDay(query.until) : null
  if (until) {
    until.setDate(until.getDate() + 1)
    filter.startedUntil = until.toISOString()
  }
  const page = query.page ?? 1
  return {
    ...(Object.keys(filter).length > 0 ? { filter } : {}),
    sort: query.sort ?? 'date',
    order: query.order ?? 'desc',
    limit: pageSize,
    offset: (page - 1) * pageSize
  }
}
