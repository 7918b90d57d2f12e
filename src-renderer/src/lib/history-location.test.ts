import { describe, expect, it } from 'vitest'
import { parseHistoryQuery, hashQueryOf } from './history-query'
import { historyRunHash, runOfHistoryHash } from './history-location'

describe('a link to one run in History', () => {
  it('opens the run, with the list filtered to its algorithm', () => {
    const hash = historyRunHash(12, 'surrogate')
    expect(hash).toBe('#history?algorithm=surrogate&run=12')
    expect(runOfHistoryHash(hash)).toBe(12)
    // The filter part is History's own search; `run` is not one of its keys.
    expect(parseHistoryQuery(hashQueryOf(hash))).toEqual({ algorithm: 'surrogate' })
    expect(runOfHistoryHash(historyRunHash(3))).toBe(3)
  })

  it('ignores a missing or wrong run id, and other views', () => {
    expect(runOfHistoryHash('#history')).toBeNull()
    expect(runOfHistoryHash('#history?algorithm=ga')).toBeNull()
    expect(runOfHistoryHash('#history?run=0')).toBeNull()
    expect(runOfHistoryHash('#history?run=-1')).toBeNull()
    expect(runOfHistoryHash('#history?run=2.5')).toBeNull()
    expect(runOfHistoryHash('#history?run=99999999999')).toBeNull()
    expect(runOfHistoryHash('#models?run=3')).toBeNull()
  })
})
