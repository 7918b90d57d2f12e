/**
 * Keeping a thread's event loop polling for a few milliseconds, so that a message from another
 * thread is taken at once instead of after the thread wakes up from sleep.
 *
 * Why: a split GD batch is two hand-overs between threads (forward, then gradient) of about half a
 * millisecond of compute each. Measured on a 2-core VM, a message to a thread whose event loop
 * sleeps is picked up 0.1-0.4 ms later, on each side: as much as the compute itself. A chain of
 * setImmediate keeps the loop polling (libuv polls without blocking while immediates are
 * pending), which cut `dnpu bench`'s forward + backward on 512 rows from 3.2-4.5e5 to 5.2e5
 * samples/s and a GD ring epoch from 0.025 to 0.017 s. It burns CPU while it polls, so callers
 * poll only across the short gaps of a tight request/answer sequence.
 */

let pollUntilMs = 0
let polling = false

function tick(): void {
  if (performance.now() < pollUntilMs) setImmediate(tick)
  else polling = false
}

/**
 * Keeps this thread's event loop polling for `forMs` from now (extending a polling already
 * going on). Returns a function that stops the polling early: all of this thread's polling, as
 * one thread has one user (an evaluation worker, or the thread driving a pool).
 */
export function pollEventLoop(forMs: number): () => void {
  pollUntilMs = Math.max(pollUntilMs, performance.now() + forMs)
  if (!polling) {
    polling = true
    setImmediate(tick)
  }
  return () => {
    pollUntilMs = 0
  }
}
