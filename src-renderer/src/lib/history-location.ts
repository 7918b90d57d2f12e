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
