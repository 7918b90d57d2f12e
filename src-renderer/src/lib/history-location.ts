/**
 * The last History search of this page, so that leaving History and coming back shows the
 * same filter (the URL holds it only while History is open: `go` writes each view's own hash).
 */
import { formatHistoryQuery, type HistoryQuery } from './history-query'

let lastQuery = ''

/** Keeps `query` as History's search and writes it into the URL (no new history entry). */
export function showHistoryQuery(query: HistoryQuery): void {
  lastQuery = formatHistoryQuery(query)
  history.replaceState(null, '', historyHash())
}

/** History's hash with its last search: `#history` or `#history?algorithm=ga`. */
export function historyHash(): string {
  return lastQuery === '' ? '#history' : `#history?${lastQuery}`
}

/**
 * A link that opens History on one run (`#history?algorithm=surrogate&run=12`): the list filtered
 * to its algorithm, the run's detail open. `run` is read once when History opens, not kept.
 */
export function historyRunHash(runId: number, algorithm?: string): string {
  const params = new URLSearchParams()
  if (algorithm) params.set('algorithm', algorithm)
  params.set('run', String(runId))
  return `#history?${params.toString()}`
}

/** The run a History hash asks to open (`run=N`), or null when it names none or not a positive whole number. */
export function runOfHistoryHash(hash: string): number | null {
  const withoutMark = hash.replace(/^#/, '')
  const at = withoutMark.indexOf('?')
  if (at < 0 || withoutMark.slice(0, at) !== 'history') return null
  const value = new URLSearchParams(withoutMark.slice(at + 1, at + 1 + 4000)).get('run')
  if (value === null || !/^\d{1,10}$/.test(value)) return null
  const id = Number(value)
  return id >= 1 && id <= 2 ** 31 - 1 ? id : null
}
