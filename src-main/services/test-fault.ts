/**
 * TEST ONLY: a fault injected into main, so tests can prove what the last-resort handlers
 * (last-resort.ts) do when main dies during a run. Set in the environment of a test's child
 * process; without the variable nothing is armed and this module does nothing.
 *
 *   DNPU_TEST_FAULT=throw-after-steps:N    an uncaught exception
 *   DNPU_TEST_FAULT=reject-after-steps:N   an unhandled rejection
 *
 * raised in main right after the Nth step (generation, epoch or labeling) of this process's runs
 * has been recorded. `createAppServices` is the one place that reads the variable. A malformed
 * value is refused at start-up, so a typo cannot make a test pass without injecting anything.
 */
import type { TrainingService } from './training-service'

export const TEST_FAULT_VARIABLE = 'DNPU_TEST_FAULT'

export interface TestFault {
  kind: 'throw' | 'reject'
  afterSteps: number
}

export function parseTestFault(text: string | undefined): TestFault | null {
  if (text === undefined || text === '') return null
  const match = /^(throw|reject)-after-steps:(\d{1,6})$/.exec(text.trim())
  if (!match || Number(match[2]) < 1) {
    throw new Error(
      `${TEST_FAULT_VARIABLE} (a test-only switch) must be throw-after-steps:N or reject-after-steps:N with N >= 1, got "${text}"`
    )
  }
  return { kind: match[1] as TestFault['kind'], afterSteps: Number(match[2]) }
}

/** Raises the fault once, after the `afterSteps`th recorded step. */
export function armTestFault(training: TrainingService, fault: TestFault): void {
  let steps = 0
  const onProgress = (): void => {
    if (++steps < fault.afterSteps) return
    training.off('progress', onProgress)
    const error = new Error(
      `injected test fault (${TEST_FAULT_VARIABLE}=${fault.kind}-after-steps:${fault.afterSteps})`
    )
    // Out of the event's call stack: thrown inside the listener, it would reach the code that
    // recorded the step (which catches it and fails the run) instead of the process.
    setImmediate(() => {
      if (fault.kind === 'throw') throw error
      void Promise.reject(error)
    })
  }
  training.on('progress', onProgress)
}
