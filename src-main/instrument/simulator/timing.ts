/**
 * Time for the simulated instrument: long timers, and the "something changed" signal that every
 * wait (`*OPC?`, `MEAS?`) races against so an ABOR, a new host or close() ends it at once.
 */

/** setTimeout fires at once for delays past 2^31-1 ms (about 24.8 days): longer waits are re-armed. */
export const MAX_TIMER_MS = 2 ** 31 - 1

export function nowMs(): number {
  return performance.now()
}

export function setLongTimeout(callback: () => void, ms: number): { clear(): void } {
  let timer: ReturnType<typeof setTimeout>
  const dueMs = nowMs() + ms
  const arm = () => {
    const remaining = dueMs - nowMs()
    timer = remaining > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(callback, Math.max(0, remaining))
  }
  arm()
  return { clear: () => clearTimeout(timer) }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Wakes every waiter once per change of the instrument's state. */
export class ChangeSignal {
  private listeners: (() => void)[] = []

  notify(): void {
    const listeners = this.listeners
    this.listeners = []
    for (const listener of listeners) listener()
  }

  next(): Promise<void> {
    return new Promise((resolve) => this.listeners.push(resolve))
  }

  /** Resolves after `ms` or at the next change, whichever comes first. */
  sleepOrChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS))
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.listeners.push(done)
    })
  }
}
