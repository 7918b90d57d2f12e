/**
 * One conversation with the instrument over a transport: one command at a time, each query
 * awaits exactly one answer frame, every command has a timeout. A timeout, a closed port or
 * bytes that make no sense put the connection into the `failed` state: in-flight and queued
 * work rejects naming its command and the cause, nothing is retried, and every later call
 * rejects at once with the same reason (docs/instrument-protocol.md "Host-side rules (driver)").
 */

import type { Command } from '../protocol/commands'
import { describeFrame, frameBlock, frameText } from '../protocol/answers'
import { ProtocolError } from '../protocol/errors'
import { FrameReader, type Frame } from '../protocol/frame-reader'
import { quote } from '../protocol/numbers'
import type { Transport } from './transport'

export type LinkState = 'open' | 'failed' | 'closed'

/** The instrument did not answer (or the link did not take the bytes) in time. */
export class InstrumentTimeoutError extends Error {
  override name = 'InstrumentTimeoutError'
}

/** The link closed under a command. */
export class PortClosedError extends Error {
  override name = 'PortClosedError'
}

/** A command refused because the connection failed earlier or was closed; `cause` is why. */
export class ConnectionUnusableError extends Error {
  override name = 'ConnectionUnusableError'
}

/**
 * How long a command's bytes may take to be accepted, or its answer to come, beyond any transfer
 * or playback time. 5 s, not less: a loaded host (the trainer on every core, several processes
 * starting) can hold off the reading side of a serial link for seconds (seen: a 36 kB upload to
 * the simulated instrument over a PTY not taken in 6.7 s under a 2 s margin while 8 processes
 * started), and a timeout ends the session; a hung instrument is still reported within seconds.
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000

export interface CommandOptions {
  /** Time for the write and, for a query, its answer. Default: the connection's command timeout. */
  timeoutMs?: number
}

interface PendingQuery {
  label: string
  resolve(frame: Frame): void
  reject(error: Error): void
}

/** Seconds for a message: `12.5`, `0.05`. */
export function formatSeconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)))
}

export class Connection {
  readonly transport: Transport
  readonly commandTimeoutMs: number
  private readonly reader: FrameReader
  private queue: Promise<unknown> = Promise.resolve()
  private pending: PendingQuery | null = null
  private failure: Error | null = null
  private closedByUs = false
  /** Rejects whatever is waiting on a timer or a write when the connection fails. */
  private readonly waiters = new Set<(error: Error) => void>()

  constructor(transport: Transport, options: { commandTimeoutMs?: number; maxBlockBytes?: number } = {}) {
    this.transport = transport
    this.commandTimeoutMs = checkTimeout(options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS, 'command timeout')
    this.reader = new FrameReader({ maxBlockBytes: options.maxBlockBytes })
    transport.onData((bytes) => this.receive(bytes))
    transport.onClose((error) => this.transportClosed(error))
    if (!transport.isOpen) this.fail(new PortClosedError(`${transport.description} is closed`))
  }

  get state(): LinkState {
    if (this.closedByUs) return 'closed'
    return this.failure ? 'failed' : 'open'
  }

  /** Why the connection failed (or was closed), or null while it is open. */
  get failureReason(): Error | null {
    return this.failure
  }

  /** Sends a command that has no answer; resolves once the transport took the bytes. */
  send(command: Command, options: CommandOptions = {}): Promise<void> {
    if (command.isQuery) return Promise.reject(new Error(`"${command.label}" is a query: use queryText or queryBlock`))
    return this.enqueue(command, () => this.write(command, options.timeoutMs))
  }

  /** Sends a query and returns its one-line answer (`''` for the empty line of a failed query). */
  async queryText(command: Command, options: CommandOptions = {}): Promise<string> {
    const frame = await this.query(command, options)
    return this.parseOrFail(() => frameText(frame, `answer to "${command.label}"`))
  }

  /** Sends a query and returns its block answer's payload (`#10` gives 0 bytes). */
  async queryBlock(command: Command, options: CommandOptions = {}): Promise<Uint8Array> {
    const frame = await this.query(command, options)
    return this.parseOrFail(() => frameBlock(frame, `answer to "${command.label}"`))
  }

  /**
   * Writes a command now, ahead of the queue: `ABOR` while an `*OPC?` is waiting (the instrument
   * acts on it at once, then answers the `*OPC?`). Only commands without an answer.
   */
  sendNow(command: Command, options: CommandOptions = {}): Promise<void> {
    if (command.isQuery)
      return Promise.reject(new Error(`"${command.label}" is a query and cannot be sent out of band`))
    const unusable = this.unusable(command.label)
    if (unusable) return Promise.reject(unusable)
    return this.write(command, options.timeoutMs)
  }

  /**
   * Writes the bytes if the link is still open, whatever the state, and never throws: the
   * last-resort `ABOR` of a failed connection (outputs to 0 V matters more than the state).
   */
  async writeBestEffort(command: Command): Promise<void> {
    try {
      await withTimeout(this.writeDespiteFailure(command), this.commandTimeoutMs)
    } catch {
      // Best effort by definition: the connection is already failed or closing.
    }
  }

  /**
   * Writes the bytes if the link is still open, whatever the state: resolves once the transport
   * has handed them to the OS, rejects saying why it could not. No timer: the caller bounds the
   * wait (the last-resort `ABOR` of a process about to exit).
   */
  writeDespiteFailure(command: Command): Promise<void> {
    if (!this.transport.isOpen) return Promise.reject(new PortClosedError(`${this.transport.description} is closed`))
    return this.transport.write(command.bytes)
  }

  /**
   * Runs `parse` on an answer; a `ProtocolError` (bytes that do not mean what the protocol says)
   * fails the connection, since what follows on the stream can no longer be trusted.
   */
  parseOrFail<T>(parse: () => T): T {
    try {
      return parse()
    } catch (error) {
      if (error instanceof ProtocolError) this.fail(error)
      throw error
    }
  }

  /** Puts the connection in the failed state (first reason wins) and rejects everything waiting. */
  fail(reason: Error): void {
    if (this.failure) return
    this.failure = reason
    const pending = this.pending
    this.pending = null
    pending?.reject(reason)
    for (const reject of [...this.waiters]) reject(reason)
    this.waiters.clear()
  }

  /** Closes the transport; anything waiting rejects. */
  async close(): Promise<void> {
    if (!this.closedByUs) {
      this.closedByUs = true
      this.fail(new ConnectionUnusableError(`the connection to ${this.transport.description} was closed`))
    }
    await this.transport.close()
  }

  private query(command: Command, options: CommandOptions): Promise<Frame> {
    if (!command.isQuery) return Promise.reject(new Error(`"${command.label}" is not a query: use send`))
    return this.enqueue(command, () => {
      let answered = false
      const answer = new Promise<Frame>((resolve, reject) => {
        const deliver = (frame: Frame) => {
          answered = true
          resolve(frame)
        }
        this.pending = { label: command.label, resolve: deliver, reject }
      })
      // Awaited below, unless the write fails first; never an unhandled rejection.
      answer.catch(() => undefined)
      // The answer can arrive before the write callback; both are awaited under one timer.
      return this.underTimer(
        command,
        options.timeoutMs,
        async () => {
          await this.transport.write(command.bytes).catch((error: Error) => {
            throw this.failWith(this.writeFailed(command, error))
          })
          return answer
        },
        () => answered
      )
    })
  }

  /** A write that fails means the port went away under us (a pulled cable gives EIO on a PTY or USB serial). */
  private writeFailed(command: Command, error: Error): PortClosedError {
    return new PortClosedError(
      `could not send "${command.label}" to ${this.transport.description}: the port was closed or unplugged (${error.message})`
    )
  }

  private enqueue<T>(command: Command, run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      const unusable = this.unusable(command.label)
      if (unusable) throw unusable
      return run()
    })
    this.queue = result.catch(() => undefined)
    return result
  }

  private write(command: Command, timeoutMs: number | undefined): Promise<void> {
    return this.underTimer(command, timeoutMs, () =>
      this.transport.write(command.bytes).catch((error: Error) => {
        throw this.failWith(this.writeFailed(command, error))
      })
    )
  }

  /**
   * Runs `work` against a timer; on timeout the connection fails (an answer that comes late would
   * be taken for the answer to the next command). A failure after `isDone()` (the answer already
   * arrived, e.g. garbage right behind it) no longer concerns this command.
   */
  private underTimer<T>(
    command: Command,
    timeoutMs: number | undefined,
    work: () => Promise<T>,
    isDone: () => boolean = () => false
  ): Promise<T> {
    const ms = checkTimeout(timeoutMs ?? this.commandTimeoutMs, `timeout of "${command.label}"`)
    return new Promise<T>((resolve, reject) => {
      const onFail = (error: Error) => {
        if (isDone()) return
        clearTimeout(timer)
        reject(error)
      }
      const timer = setTimeout(() => {
        this.waiters.delete(onFail)
        const what = command.isQuery ? 'answer' : 'take'
        const error = new InstrumentTimeoutError(
          `instrument did not ${what} "${command.label}" within ${formatSeconds(ms)} s`
        )
        this.fail(error)
        reject(error)
      }, ms)
      this.waiters.add(onFail)
      work().then(
        (value) => {
          clearTimeout(timer)
          this.waiters.delete(onFail)
          resolve(value)
        },
        (error: Error) => {
          clearTimeout(timer)
          this.waiters.delete(onFail)
          reject(error)
        }
      )
    })
  }

  private receive(bytes: Uint8Array): void {
    if (this.failure) return
    if (!this.pending) {
      this.fail(
        new ProtocolError(`unsolicited bytes from the instrument while no query was waiting: ${quote(latin1(bytes))}`)
      )
      return
    }
    for (const event of this.reader.push(bytes)) {
      if (this.failure) return
      if (event.kind === 'overrun') {
        this.fail(
          new ProtocolError(
            `answer to "${this.pending?.label ?? '?'}" is a line longer than ${event.lineBytes - 1} bytes with no end`
          )
        )
        return
      }
      const pending = this.pending
      if (!pending) {
        this.fail(
          new ProtocolError(
            `unsolicited answer from the instrument while no query was waiting: ${describeFrame(event.frame)}`
          )
        )
        return
      }
      this.pending = null
      pending.resolve(event.frame)
    }
  }

  private transportClosed(error?: Error): void {
    if (this.failure) return
    const cause = error ? `: ${error.message}` : ''
    const label = this.pending?.label
    this.fail(
      new PortClosedError(
        label
          ? `${this.transport.description} closed while waiting for the answer to "${label}"${cause}`
          : `${this.transport.description} closed${cause}`
      )
    )
  }

  private unusable(label: string): Error | null {
    if (!this.failure) return null
    const error = new ConnectionUnusableError(
      `"${label}" not sent: ${this.closedByUs ? this.failure.message : `the connection failed earlier: ${this.failure.message}`}`
    )
    error.cause = this.failure
    return error
  }

  private failWith(error: Error): Error {
    this.fail(error)
    return this.failure ?? error
  }
}

function checkTimeout(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms <= 0)
    throw new RangeError(`${what} must be a positive number of milliseconds, got ${ms}`)
  return ms
}

function latin1(bytes: Uint8Array): string {
  return new TextDecoder('latin1').decode(bytes.subarray(0, 80))
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    )
  })
}
