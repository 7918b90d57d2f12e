/**
 * Last-resort handlers for a fatal error in main: an uncaught exception or an unhandled
 * rejection. Installed once per process by each face (the CLI, which is also `dnpu serve`, and
 * the Electron main process); only the way the process exits differs per face.
 *
 * On the first fatal error, in this order:
 * 1. every registered app (normally the one `createAppServices` made) fences its instrument and
 *    sends it `ABOR`: outputs to 0 V. The fence comes first, so no measurement that is queued or
 *    in flight can send another stream after it;
 * 2. the run in progress is marked `interrupted` with the error (a synchronous SQLite write; its
 *    checkpoint stays, so `runs resume` continues it);
 * 3. the handler waits until the ABOR bytes were handed to the OS, at most `abortWaitMs`;
 * 4. one line on stderr, then exit with FATAL_EXIT_CODE.
 * A fatal error during that handling exits at once (no loop, no second clean-up).
 *
 * Why wait for the ABOR write (bounded) rather than write it synchronously (`fs.writeSync` on
 * the port's file descriptor) and exit in the same tick:
 * - serialport writes through libuv: a command or an upload may be half written when the error
 *   comes. Bytes written straight to the descriptor would land inside that upload's binary block
 *   and the instrument would read ABOR as sample data. Queued behind it on the port's stream,
 *   ABOR follows the block and is read as a command;
 * - the descriptor is non-blocking: a synchronous write can fail with EAGAIN while the port's
 *   output buffer is full (a large upload at 115200 baud), exactly when it matters;
 * - the TCP and in-process links have no descriptor of ours to write to; the stream works for all.
 * ABOR can only be stuck behind an upload while no playback runs (the instrument refuses an
 * upload during an acquisition), when the outputs are at the previous stream's last sample,
 * which the host and the instrument both require to be 0 V; during a playback nothing else is
 * in flight and ABOR goes out at once.
 * Once the write callback fires the bytes are in the kernel, which still sends them after the
 * process exits (closing a tty waits for its output to drain). Keeping the process alive is
 * safe because of the fence: nothing else may reach the instrument meanwhile, the run's trainer
 * is dropped, and `TrainingService` neither emits nor resolves anything a face could act on.
 * The wait is bounded by a timer that keeps the event loop alive: the process cannot hang,
 * and cannot end with exit code 0 because the loop ran dry.
 *
 * Why a capture callback rather than an 'uncaughtException' listener: the WebAssembly compute
 * backend (Emscripten) adds listeners for both events that rethrow, which ends the process at
 * once with exit code 7 whatever other listeners were going to do. With
 * `process.setUncaughtExceptionCaptureCallback` the 'uncaughtException' event is not emitted at
 * all; for rejections ours is prepended, runs first, and the rethrow that follows reaches the
 * capture callback with the same error, which is recognised and not taken for a second fault.
 */

/** EX_SOFTWARE (sysexits.h): an internal error, distinct from 1 (a failed run) and 2 (bad options). */
export const FATAL_EXIT_CODE = 70

/** How long the handler waits for the ABOR bytes to be taken by the port before it exits anyway. */
export const ABORT_WAIT_MS = 2000

/** What an app offers the handler (`AppServices` registers one for its device and training services). */
export interface LastResortTarget {
  /**
   * Fences the connected instrument and writes `ABOR`; null when none is connected. Resolves once
   * the bytes were handed to the OS, rejects saying why they could not be.
   */
  abortInstrument(message: string): Promise<void> | null
  /** Marks the run in progress `interrupted` with the error's message (synchronously); its id, or null. Throws when that fails. */
  interruptActiveRun(message: string): number | null
}

/** How a face reports and exits. */
export interface LastResortFace {
  /** Starts the line: `dnpu` (CLI and serve), `DNPU Lab` (Electron). */
  name: string
  writeLine(line: string): void
  exit(code: number): void
}

export type FatalKind = 'uncaughtException' | 'unhandledRejection'

/** Where fatal errors come from: the process (below), or an emitter in tests. */
export interface FatalEventSource {
  /** Calls `listener` for every uncaught exception and unhandled rejection; returns the function that stops it. */
  listen(listener: (error: unknown, kind: FatalKind) => void): () => void
}

/** The process's uncaught exceptions (capture callback, see the header) and unhandled rejections. */
export const processFatalEvents: FatalEventSource = {
  listen(listener) {
    const onException = (error: unknown): void => listener(error, 'uncaughtException')
    const onRejection = (reason: unknown): void => listener(reason, 'unhandledRejection')
    let captured = false
    try {
      process.setUncaughtExceptionCaptureCallback(onException)
      captured = true
    } catch {
      // Someone else holds the capture callback (the `domain` module does): listen first instead.
      process.prependListener('uncaughtException', onException)
    }
    process.prependListener('unhandledRejection', onRejection)
    return () => {
      if (captured) process.setUncaughtExceptionCaptureCallback(null)
      else process.off('uncaughtException', onException)
      process.off('unhandledRejection', onRejection)
    }
  }
}

export interface LastResortOptions {
  /** The apps to clean up (default: those registered with `registerLastResortTarget`). */
  targets?: () => Iterable<LastResortTarget>
  abortWaitMs?: number
  events?: FatalEventSource
}

export interface LastResortHandle {
  /** True from the first fatal error on: a face must not exit or close anything itself then. */
  readonly handling: boolean
  uninstall(): void
}

const registered = new Set<LastResortTarget>()

/** Makes `target` part of any fatal-error clean-up; returns the function that removes it (app close). */
export function registerLastResortTarget(target: LastResortTarget): () => void {
  registered.add(target)
  return () => registered.delete(target)
}

/** Longest error message put on the line; longer ones are cut (the line must stay one line). */
const MAX_MESSAGE_CHARS = 500

/** One line: the error's message (no stack), whitespace collapsed. */
export function describeFatal(error: unknown, kind: FatalKind): string {
  let text: string
  try {
    if (error instanceof Error) text = String(error.message).trim() || error.name
    else
      text =
        kind === 'unhandledRejection'
          ? `a promise was rejected with ${String(error)}`
          : `a value was thrown: ${String(error)}`
  } catch {
    // An object whose toString throws (or a null-prototype object) must not break the handler.
    text =
      kind === 'unhandledRejection'
        ? 'a promise was rejected with a value that cannot be shown'
        : 'a value that cannot be shown was thrown'
  }
  text = text.replace(/\s+/g, ' ').trim()
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}...` : text
}

export function installLastResortHandlers(face: LastResortFace, options: LastResortOptions = {}): LastResortHandle {
  const events = options.events ?? processFatalEvents
  const targets = options.targets ?? (() => registered)
  const abortWaitMs = options.abortWaitMs ?? ABORT_WAIT_MS
  let first: { error: unknown; message: string } | null = null
  let exited = false

  // Once: a face whose exit returns (Electron's app.exit ends the process a little later) must
  // not print a second line when the first fault's clean-up finishes after a second fault.
  const exitNow = (line: string): void => {
    if (exited) return
    exited = true
    try {
      face.writeLine(line)
    } catch {
      // stderr is gone (EPIPE): nothing can be said, the exit still happens.
    }
    face.exit(FATAL_EXIT_CODE)
  }
  const onFatal = (error: unknown, kind: FatalKind): void => {
    try {
      if (first !== null) {
        // The same error again: another listener rethrew the one being handled (see the header).
        if (error === first.error) return
        // Whatever the clean-up was doing broke too: retrying it could loop; leave now.
        const second = describeFatal(error, kind)
        exitNow(
          `${face.name}: fatal error: ${first.message}; a second fatal error during the clean-up (${second}) ended it at once: check that the instrument's outputs are at 0 V`
        )
        return
      }
      const message = describeFatal(error, kind)
      first = { error, message }
      cleanUp(message, [...targets()], abortWaitMs).then(
        (clauses) => exitNow(`${face.name}: fatal error: ${message}${clauses}`),
        // Not expected (cleanUp catches what its targets throw); if it happens it is the second fault.
        (cleanUpError: unknown) => onFatal(cleanUpError, 'unhandledRejection')
      )
    } catch {
      // A bug in the handler itself: whatever it was, the process must end.
      if (!exited) {
        exited = true
        face.exit(FATAL_EXIT_CODE)
      }
    }
  }
  const stopListening = events.listen(onFatal)
  return {
    get handling() {
      return first !== null
    },
    uninstall: stopListening
  }
}

type AbortOutcome = { ok: true } | { ok: false; why: string }

/** Steps 1-3 of the header; returns what the line says after the message (`; ...`). */
async function cleanUp(message: string, targets: LastResortTarget[], abortWaitMs: number): Promise<string> {
  const aborts: Promise<AbortOutcome>[] = []
  for (const target of targets) {
    try {
      const written = target.abortInstrument(message)
      if (written)
        aborts.push(
          written.then(
            (): AbortOutcome => ({ ok: true }),
            (error: unknown): AbortOutcome => ({ ok: false, why: describeFatal(error, 'uncaughtException') })
          )
        )
    } catch (error) {
      aborts.push(Promise.resolve({ ok: false, why: describeFatal(error, 'uncaughtException') }))
    }
  }
  const runIds: number[] = []
  const runProblems: string[] = []
  for (const target of targets) {
    try {
      const runId = target.interruptActiveRun(message)
      if (runId !== null) runIds.push(runId)
    } catch (error) {
      runProblems.push(describeFatal(error, 'uncaughtException'))
    }
  }
  const outcomes = await settleWithin(aborts, abortWaitMs)

  // What happened to the instrument, then to the run; "X and Y" when both went well.
  const clauses: { ok: boolean; text: string }[] = []
  const failed = outcomes.filter((outcome): outcome is { ok: false; why: string } => !outcome.ok)
  if (failed.length > 0) {
    clauses.push({
      ok: false,
      text: `ABOR could not be sent to the instrument (${failed.map((outcome) => outcome.why).join('; ')}): check that its outputs are at 0 V`
    })
  } else if (outcomes.length > 0) {
    clauses.push({ ok: true, text: 'the instrument was sent ABOR (outputs to 0 V)' })
  }
  if (runIds.length > 0) {
    clauses.push({
      ok: true,
      text:
        runIds.length === 1
          ? `run ${runIds[0]} was marked interrupted`
          : `runs ${runIds.join(', ')} were marked interrupted`
    })
  }
  for (const problem of runProblems)
    clauses.push({ ok: false, text: `${problem} (the next start of DNPU Lab marks it)` })
  if (clauses.length === 0) return ''
  return `; ${clauses.map((clause) => clause.text).join(clauses.every((clause) => clause.ok) ? ' and ' : '; ')}`
}

/** Each promise's outcome, or a timeout for those still pending after `ms`; the timer keeps the process alive meanwhile. */
function settleWithin(writes: Promise<AbortOutcome>[], ms: number): Promise<AbortOutcome[]> {
  if (writes.length === 0) return Promise.resolve([])
  const seconds = Number((ms / 1000).toFixed(3))
  return new Promise((resolve) => {
    const outcomes: (AbortOutcome | undefined)[] = writes.map(() => undefined)
    let pending = writes.length
    const finish = () => {
      clearTimeout(timer)
      resolve(
        outcomes.map((outcome) => outcome ?? { ok: false, why: `the port did not take the bytes within ${seconds} s` })
      )
    }
    const timer = setTimeout(finish, ms)
    writes.forEach((write, index) =>
      write.then((outcome) => {
        outcomes[index] = outcome
        if (--pending === 0) finish()
      })
    )
  })
}
