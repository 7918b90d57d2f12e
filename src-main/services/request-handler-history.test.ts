/** The run-history channels through the request handler: validation, dispatch and refusals as data. */
import { afterEach, describe, expect, it } from 'vitest'
import { sampleRun } from '../store/test-fixtures'
import { createRequestHandler } from './request-handler'
import { servicesOnTempFolder } from './test-support'

let cleanup: (() => Promise<void>) | null = null
afterEach(async () => {
  await cleanup?.()
  cleanup = null
})

async function setUp() {
  const env = await servicesOnTempFolder()
  cleanup = env.cleanup
  const { runs } = env.services
  const older = runs.createRun(sampleRun({ task: 'xor', startedAt: new Date('2026-01-01T00:00:00Z') }))
  const newer = runs.createRun(sampleRun({ task: 'nand', startedAt: new Date('2026-01-02T00:00:00Z') }))
  for (const runId of [older, newer]) runs.finishRun(runId, 'completed')
  return { env, handle: createRequestHandler(env.services), older, newer }
}

describe('run history channels', () => {
  it('runs:find answers a page with its total; {} is the newest page; runs:list keeps its array', async () => {
    const { handle, older, newer } = await setUp()
    expect(await handle('runs:find', {})).toMatchObject({
      ok: true,
      value: { total: 2, limit: 50, offset: 0, runs: [{ id: newer }, { id: older }] }
    })
    expect(await handle('runs:find', { filter: { tasks: ['xor'] }, limit: 1 })).toMatchObject({
      ok: true,
      value: { total: 1, runs: [{ id: older, task: 'xor', tags: [], starred: false }] }
    })
    expect(await handle('runs:find', { sort: 'fitness', order: 'asc', offset: 1 })).toMatchObject({
      ok: true,
      value: { total: 2, runs: [{}] }
    })
    expect(await handle('runs:list', {})).toMatchObject({ ok: true, value: [{ id: newer }, { id: older }] })
  })

  it('runs:find refuses bad filters, naming the field', async () => {
    const { handle } = await setUp()
    const refusals = await Promise.all([
      handle('runs:find', { limit: 501 }),
      handle('runs:find', { sort: 'speed' }),
      handle('runs:find', { filter: { statuses: ['done'] } }),
      handle('runs:find', { filter: { startedSince: 'last week' } }),
      handle('runs:find', { filter: { tags: ['a;b'] } }),
      handle('runs:find', { filter: { colour: 'red' } })
    ])
    expect(refusals.map((refusal) => (refusal.ok ? 'ok' : refusal.error))).toEqual([
      expect.stringMatching(/^runs:find: invalid request: limit: /),
      expect.stringMatching(/^runs:find: invalid request: sort: /),
      expect.stringMatching(/^runs:find: invalid request: filter\.statuses\.0: /),
      expect.stringMatching(/^runs:find: invalid request: filter\.startedSince: expected a date or an ISO 8601 time/),
      expect.stringMatching(/^runs:find: invalid request: filter\.tags\.0: a tag may hold only/),
      expect.stringMatching(/^runs:find: invalid request: filter: Unrecognized key/)
    ])
  })

  it('runs:annotate answers the summary as it now is; runs:tags counts them; refusals name the problem', async () => {
    const { handle, older, newer } = await setUp()
    const annotated = await handle('runs:annotate', {
      runId: older,
      name: 'Gate',
      starred: true,
      notes: 'clean',
      addTags: ['paper', 'xor']
    })
    expect(annotated).toMatchObject({
      ok: true,
      value: { id: older, name: 'Gate', starred: true, notes: 'clean', tags: ['paper', 'xor'] }
    })
    if (annotated.ok) expect((annotated.value as { notesUpdatedAt: string }).notesUpdatedAt).toMatch(/^\d{4}-/)
    await handle('runs:annotate', { runId: newer, addTags: ['paper'] })
    expect(await handle('runs:tags', {})).toEqual({
      ok: true,
      value: [
        { tag: 'paper', runs: 2 },
        { tag: 'xor', runs: 1 }
      ]
    })
    expect(await handle('runs:annotate', { runId: 99, starred: true })).toEqual({
      ok: false,
      error: 'runs:annotate: runId: no run 99'
    })
    const longName = await handle('runs:annotate', { runId: older, name: 'x'.repeat(201) })
    expect(longName.ok ? '' : longName.error).toMatch(/^runs:annotate: invalid request: name: /)
    const tooManyTags = Array.from({ length: 50 }, (_, index) => `t${index}`)
    expect(await handle('runs:annotate', { runId: older, addTags: tooManyTags })).toEqual({
      ok: false,
      error: `runs:annotate: run ${older}: would carry 52 tags, at most 50`
    })
  })

  it('runs:delete deletes ended runs, refuses a running one by id, and db:vacuum answers page counts', async () => {
    const { env, handle, older } = await setUp()
    const running = env.services.runs.createRun(sampleRun())
    expect(await handle('runs:delete', { runIds: [older, running] })).toEqual({
      ok: false,
      error: `runs:delete: cannot delete run ${running}: it is running (stop it first, then delete it)`
    })
    const deleted = await handle('runs:delete', { runIds: [older] })
    expect(deleted).toMatchObject({ ok: true, value: { deleted: [older], vacuumSuggested: expect.any(Boolean) } })
    expect(await handle('runs:get', { runId: older })).toEqual({ ok: false, error: `runs:get: runId: no run ${older}` })
    expect((await handle('runs:delete', { runIds: [] })).ok).toBe(false)
    expect(await handle('db:vacuum', {})).toMatchObject({
      ok: true,
      value: { reclaimedPages: expect.any(Number), pageCount: expect.any(Number), pageSizeBytes: expect.any(Number) }
    })
  })

  it("runs:delete refuses the training service's run in progress before its row is read", async () => {
    const { env, handle, older } = await setUp()
    const training = env.services.training as unknown as { activeRun(): { runId: number | null; paused: boolean } }
    training.activeRun = () => ({ runId: older, paused: false })
    expect(await handle('runs:delete', { runIds: [older] })).toEqual({
      ok: false,
      error: `runs:delete: cannot delete run ${older}: it is the run in progress (stop it first, then delete it)`
    })
  })
})
