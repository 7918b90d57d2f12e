/**
 * Requests of the run history (the lab notebook): search, annotate, delete. The bounds are the
 * domain's, which the store enforces again for the CLI; here they refuse a bad request before
 * any service sees it.
 */
import { z } from 'zod'
import {
  ALGORITHMS,
  DATE_OR_TIME_EXPECTED,
  isDateOrTime,
  MAX_RUN_NAME_CHARS,
  MAX_RUN_NOTES_CHARS,
  MAX_RUN_PAGE_SIZE,
  MAX_RUN_SEARCH_TEXT_CHARS,
  MAX_TAG_CHARS,
  MAX_TAGS_PER_RUN,
  RUN_SORT_KEYS,
  RUN_STATUSES,
  TAG_PATTERN
} from '../domain'

const MAX_VALUES_PER_FILTER = 100
/** One request deletes at most this many runs (a page of the list at its largest). */
export const MAX_RUNS_PER_DELETE = MAX_RUN_PAGE_SIZE

const tagSchema = z
  .string()
  .trim()
  .min(1, 'a tag must not be empty')
  .max(MAX_TAG_CHARS, `a tag has at most ${MAX_TAG_CHARS} characters`)
  .regex(TAG_PATTERN, 'a tag may hold only letters, digits, spaces and _ . : -')
/** The store compares it in UTC. */
const isoTimeSchema = z.string().refine(isDateOrTime, DATE_OR_TIME_EXPECTED)
const idSchema = z.number().int().positive()

function listOf<T extends z.ZodType>(item: T) {
  return z.array(item).min(1).max(MAX_VALUES_PER_FILTER).optional()
}

export const runFilterSchema = z
  .object({
    algorithms: listOf(z.enum(ALGORITHMS)),
    tasks: listOf(z.string().min(1).max(200)),
    modelIds: listOf(z.string().min(1).max(200)),
    deviceProfileIds: listOf(idSchema),
    calibrationIds: listOf(idSchema),
    calibrationVersions: listOf(idSchema),
    statuses: listOf(z.enum(RUN_STATUSES)),
    startedSince: isoTimeSchema.optional(),
    startedUntil: isoTimeSchema.optional(),
    tags: listOf(tagSchema),
    starred: z.boolean().optional(),
    text: z.string().max(MAX_RUN_SEARCH_TEXT_CHARS).optional()
  })
  .strict()

export const runQuerySchema = z
  .object({
    filter: runFilterSchema.optional(),
    sort: z.enum(RUN_SORT_KEYS).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    limit: z.number().int().min(1).max(MAX_RUN_PAGE_SIZE).optional(),
    offset: z.number().int().min(0).optional()
  })
  .strict()

export const runAnnotateSchema = z
  .object({
    runId: idSchema,
    name: z.string().max(MAX_RUN_NAME_CHARS).nullable().optional(),
    starred: z.boolean().optional(),
    notes: z.string().max(MAX_RUN_NOTES_CHARS).optional(),
    addTags: z.array(tagSchema).max(MAX_TAGS_PER_RUN).optional(),
    removeTags: z.array(tagSchema).max(MAX_TAGS_PER_RUN).optional()
  })
  .strict()

export const runDeleteSchema = z.object({ runIds: z.array(idSchema).min(1).max(MAX_RUNS_PER_DELETE) }).strict()
