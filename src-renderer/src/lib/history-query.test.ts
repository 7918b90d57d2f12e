import { describe, expect, it } from 'vitest'
import { runQuerySchema } from '../../../src-shared/ipc'
import {
  formatHistoryQuery,
  hashQueryOf,
  hashViewOf,
  isFiltered,
  parseHistoryQuery,
  toRunQuery,
  withoutPage,
  type HistoryQuery
} from './history-query'
import { describeImport } from './history-notices'

describe('history query in the URL', () => {
  it('round-trips every field', () => {
    const query: HistoryQuery = {
      algorithm: 'ga',
      status: 'completed',
      task: 'xor',
      model: 'brains-default',
      device: 2,
      calibration: 14,
      tag: 'gold run',
      starred: true,
      text: 'noise 5%',
      since: '2026-01-31',
      until: '2026-02-28',
      sort: 'fitness',
      order: 'asc',
      page: 3
    }
    const text = formatHistoryQuery(query)
    expect(parseHistoryQuery(text)).toEqual(query)
    expect(formatHistoryQuery(parseHistoryQuery(text))).toBe(text)
  })

  it('leaves defaults out, so equal searches have one URL', () => {
    expect(formatHistoryQuery({ sort: 'date', order: 'desc', page: 1 })).toBe('')
    expect(parseHistoryQuery('sort=date&order=desc&page=1')).toEqual({})
    expect(formatHistoryQuery({ algorithm: 'gd', text: '' })).toBe('algorithm=gd')
  })

  it('drops unknown and invalid parameters without throwing', () => {
    const parsed = parseHistoryQuery(
      'algorithm=quantum&status=exploded&tag=bad%2Ftag&since=2026-02-31&until=yesterday&sort=bestFitness' +
        '&order=sideways&page=-2&starred=maybe&colour=red&text=' +
        'x'.repeat(201) +
        '&task=%20%20&model=ok&device=0&calibration=1.5&device=-3'
    )
    expect(parsed).toEqual({ model: 'ok' })
    expect(parseHistoryQuery('device=99999999999&calibration=abc')).toEqual({})
    expect(parseHistoryQuery('%%%&&==&page=1e9&page=0')).toEqual({})
    expect(parseHistoryQuery('page=99999999')).toEqual({})
  })

  it('reads a hostile, very long hash in bounded time and size', () => {
    const parsed = parseHistoryQuery(`tag=${'a'.repeat(1_000_000)}&algorithm=ga`)
    expect(parsed).toEqual({})
  })

  it('splits the view id from its query', () => {
    expect(hashViewOf('#history?algorithm=ga')).toBe('history')
    expect(hashQueryOf('#history?algorithm=ga')).toBe('algorithm=ga')
    expect(hashViewOf('#training')).toBe('training')
    expect(hashQueryOf('#training')).toBe('')
    expect(hashViewOf('')).toBe('')
  })

  it('knows a filter from a sort or a page', () => {
    expect(isFiltered({ sort: 'accuracy', order: 'asc', page: 4 })).toBe(false)
    expect(isFiltered({ starred: true })).toBe(true)
    expect(withoutPage({ tag: 'a', page: 5 })).toEqual({ tag: 'a' })
  })
})

describe('toRunQuery', () => {
  it('makes a request the runs:find schema accepts', () => {
    const request = toRunQuery({
      algorithm: 'gd',
      status: 'stopped',
      task: 'ring',
      model: 'm1',
      device: 3,
      calibration: 7,
      tag: 'gold',
      starred: true,
      text: '  lr  ',
      since: '2026-01-01',
      until: '2026-01-31',
      sort: 'duration',
      order: 'asc',
      page: 2
    })
    expect(runQuerySchema.safeParse(request).success).toBe(true)
    expect(request).toMatchObject({
      filter: {
        algorithms: ['gd'],
        statuses: ['stopped'],
        tasks: ['ring'],
        modelIds: ['m1'],
        deviceProfileIds: [3],
        calibrationIds: [7],
        tags: ['gold'],
        starred: true,
        text: 'lr'
      },
      sort: 'duration',
      order: 'asc',
      limit: 50,
      offset: 50
    })
  })

  it('takes since and until as local days, until included', () => {
    const { filter } = toRunQuery({ since: '2026-03-10', until: '2026-03-10' })
    expect(filter?.startedSince).toBe(new Date(2026, 2, 10).toISOString())
    expect(filter?.startedUntil).toBe(new Date(2026, 2, 11).toISOString())
  })

  it('sends no filter and the first page by default', () => {
    expect(toRunQuery({})).toEqual({ sort: 'date', order: 'desc', limit: 50, offset: 0 })
  })
})

describe('describeImport', () => {
  it('says what was added and what was already here', () => {
    const text = describeImport({
      runs: [],
      runsAdded: 3,
      runsAlreadyPresent: 1,
      modelsAdded: 1,
      modelsAlreadyPresent: 0,
      calibrationsAdded: 0,
      calibrationsAlreadyPresent: 0,
      notes: ['device profile "lab 2" created']
    })
    expect(text).toBe('Imported 3 runs (1 already here). 1 model added; device profile "lab 2" created.')
  })
})
