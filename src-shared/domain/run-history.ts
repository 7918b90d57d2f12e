/**
 * History as the lab notebook: the bounds of a run's annotations (name, notes, tags) and the
 * words of a search over runs (filters, sorts, pages). Shared by the store (which enforces the
 * bounds), the contract's schemas, the CLI's option parsers and the renderer.
 */
import type { Algorithm, RunStatus } from './names'
import type { RunSummary } from './runs'

export const MAX_RUN_NAME_CHARS = 200
export const MAX_RUN_NOTES_CHARS = 100_000
export const MAX_TAG_CHARS = 50
export const MAX_TAGS_PER_RUN = 50
/** Letters, digits, space and `_ . : -`: a tag reads the same in a shell, a URL and a CSV. */
export const TAG_PATTERN = /^[A-Za-z0-9 _.:-]+$/
export const DEFAULT_RUN_PAGE_SIZE = 50
export const MAX_RUN_PAGE_SIZE = 500
/** Free text searched over name, notes and task. */
export const MAX_RUN_SEARCH_TEXT_CHARS = 200

/** A date (2026-01-31, midnight UTC) or an ISO 8601 time with its zone (Z or +01:00). */
export const DATE_OR_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/
export const DATE_OR_TIME_EXPECTED = 'expected a date or an ISO 8601 time, e.g. 2026-01-31 or 2026-01-31T08:00:00Z'

/** Whether `text` is a date or time a run search takes (see {@link DATE_OR_TIME_PATTERN}) and a real one. */
export function isDateOrTime(text: string): boolean {
  return text.length <= 40 && DATE_OR_TIME_PATTERN.test(text) && !Number.isNaN(Date.parse(text))
}

/** A tag as stored (trimmed), or why it cannot be one. */
export function normalizeTag(text: string): { ok: true; tag: string } | { ok: false; error: string } {
  const tag = text.trim()
  if (tag.length === 0) return { ok: false, error: 'a tag must not be empty' }
  if (tag.length > MAX_TAG_CHARS)
    return { ok: false, error: `tag "${tag.slice(0, 20)}..." is ${tag.length} characters, at most ${MAX_TAG_CHARS}` }
  if (!TAG_PATTERN.test(tag))
    return { ok: false, error: `tag "${tag}" may hold only letters, digits, spaces and _ . : -` }
  return { ok: true, tag }
}

/** What a run list may be ordered by; `date` is the start time. */
export const RUN_SORT_KEYS = ['date', 'fitness', 'correlation', 'accuracy', 'duration'] as const
export type RunSortKey = (typeof RUN_SORT_KEYS)[number]
export type SortOrder = 'asc' | 'desc'

/** A search over runs: every field optional, all given ones must hold (tags: any of them). */
export interface RunFilter {
  algorithms?: Algorithm[]
  tasks?: string[]
  modelIds?: string[]
  deviceProfileIds?: number[]
  calibrationIds?: number[]
  /** Calibration version numbers (per profile; combine with deviceProfileIds for one profile's). */
  calibrationVersions?: number[]
  statuses?: RunStatus[]
  /** ISO 8601 times; a run matches when it started at or after `since` and before `until`. */
  startedSince?: string
  startedUntil?: string
  tags?: string[]
  starred?: boolean
  /** Case-insensitive substring of the name, the notes or the task. */
  text?: string
}

export interface RunQuery {
  filter?: RunFilter
  /** Default `date`. */
  sort?: RunSortKey
  /** Default `desc` (newest, best, longest first); runs without the sorted value come last either way. */
  order?: SortOrder
  /** Default {@link DEFAULT_RUN_PAGE_SIZE}, at most {@link MAX_RUN_PAGE_SIZE}. */
  limit?: number
  offset?: number
}

/** One annotation change; fields left out stay as they are. */
export interface RunAnnotation {
  /** null or '' clears the name. */
  name?: string | null
  starred?: boolean
  /** Replaces the notes (and stamps notesUpdatedAt). */
  notes?: string
  addTags?: string[]
  removeTags?: string[]
}

export interface TagCount {
  tag: string
  runs: number
}

export interface RunDeletion {
  deleted: number[]
  /** Pages on SQLite's free list after the delete, and what the delete added to it. */
  freedPages: number
  freelistPages: number
  pageCount: number
  pageSizeBytes: number
  /** Free pages are over a quarter of the file: `VACUUM` would give the space back. */
  vacuumSuggested: boolean
}

/** One page of a search, with how many runs match in all. */
export interface RunPage {
  runs: RunSummary[]
  total: number
  /** The page size and start actually used (the request's, clamped). */
  limit: number
  offset: number
}

export interface DatabaseVacuum {
  /** Pages the file shrank by. */
  reclaimedPages: number
  pageCount: number
  pageSizeBytes: number
}
