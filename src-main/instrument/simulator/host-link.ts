/**
 * The host side of the simulated instrument: bytes in, framed into lines and queued; answers out,
 * delayed by the configured latency. Each attach or detach starts a new epoch, and anything of an
 * older epoch (unread input, unsent answers, the rest of a line) is dropped, so a new host never
 * reads an answer meant for the one before.
 *
 * Lines are executed one at a time, in arrival order, so answers come out in order even when a
 * command has to wait.
 */
import { Rng } from '../../core/rng'
import { encodeFloat32Block } from '../protocol/block'
import { FrameReader } from '../protocol/frame-reader'
import { splitChain, type CommandUnit } from './scpi-syntax'
import { nowMs } from './timing'

/** How the instrument reaches the host it is attached to. */
export interface InstrumentConnection {
  /** Bytes for the host. */
  write(bytes: Uint8Array): void
  /** The disconnect fault: the transport must drop the host (close the socket, remove the port). */
  disconnect(): void
}

export type Answer = string | Float32Array

/** What the instrument does with the lines the link delivers. */
export interface LineHandlers {
  /** A line has just arrived (before it waits its turn); true when it acted on it at once (an ABOR during a wait). */
  arrived(units: readonly CommandUnit[]): boolean
  /** The line is about to run; `actedOnArrival` is what `arrived` returned for it. */
  starting(actedOnArrival: boolean): void
  execute(unit: CommandUnit, epoch: number): Promise<void> | void
  /** A line grew past the frame reader's limit and was discarded. */
  overrun(lineBytes: number): void
  /** A block stopped arriving and was dropped. */
  stalled(): void
  /** A new epoch began: waits of the previous host must end. */
  epochChanged(): void
}

export interface HostLinkOptions {
  maxBlockBytes: number
  blockStallTimeoutMs: number
  /** Every answer leaves this many ms after it was produced. */
  latencyMs: number
  /** Seed of the garbage fault's bytes. */
  garbageSeed: number
}

type QueueItem =
  | { kind: 'line'; units: CommandUnit[]; epoch: number; actedOnArrival: boolean }
  | { kind: 'overrun'; lineBytes: number }
  | { kind: 'stalled' }

const encoder = new TextEncoder()

export class HostLink {
  /** The stall fault: answers are produced but never sent. */
  muted = false
  /** The garbage fault: every answer is replaced by random non-protocol bytes. */
  garbled = false

  private readonly reader: FrameReader
  private readonly garbageRng: Rng
  private queue: QueueItem[] = []
  private draining = false
  private connection: InstrumentConnection | null = null
  /** Bumped by every attach/detach: answers of an older connection are dropped. */
  private currentEpoch = 0
  private stallTimer: ReturnType<typeof setTimeout> | null = null
  private readonly pendingOutput: { dueMs: number; bytes: Uint8Array; epoch: number }[] = []
  private outputTimer: ReturnType<typeof setTimeout> | null = null
  private closed = false

  constructor(
    private readonly options: HostLinkOptions,
    private readonly handlers: LineHandlers
  ) {
    this.reader = new FrameReader({ maxBlockBytes: options.maxBlockBytes })
    this.garbageRng = new Rng(options.garbageSeed)
  }

  get epoch(): number {
    return this.currentEpoch
  }

  /** Connects a host, forgetting the previous one. Returns the detach function. */
  attach(connection: InstrumentConnection): () => void {
    this.startNewEpoch()
    this.connection = connection
    return () => {
      if (this.connection !== connection) return
      this.connection = null
      this.startNewEpoch()
    }
  }

  /** The disconnect fault: the host is dropped and told so through its connection. */
  dropHost(): void {
    const connection = this.connection
    this.connection = null
    this.startNewEpoch()
    connection?.disconnect()
  }

  /** Bytes from the host. */
  push(bytes: Uint8Array): void {
    if (this.closed) return
    const epoch = this.currentEpoch
    for (const event of this.reader.push(bytes)) {
      if (event.kind === 'overrun') {
        this.queue.push({ kind: 'overrun', lineBytes: event.lineBytes })
        continue
      }
      const units = splitChain(event.frame)
      if (units.length === 0) continue
      const actedOnArrival = this.handlers.arrived(units)
      this.queue.push({ kind: 'line', units, epoch, actedOnArrival })
    }
    this.armStallTimer()
    void this.drain()
  }

  close(): void {
    this.closed = true
    if (this.stallTimer) clearTimeout(this.stallTimer)
    if (this.outputTimer) clearTimeout(this.outputTimer)
    this.pendingOutput.length = 0
    this.queue = []
    this.connection = null
  }

  /** Resolves once every line received so far has been executed. */
  async settled(): Promise<void> {
    while (this.draining || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 1))
  }

  emitAnswer(answer: Answer, epoch: number): void {
    if (typeof answer === 'string') {
      this.emit(encoder.encode(`${answer}\n`), epoch)
      return
    }
    const block = encodeFloat32Block(answer)
    const line = new Uint8Array(block.length + 1)
    line.set(block)
    line[block.length] = 0x0a
    this.emit(line, epoch)
  }

  // ---- input -------------------------------------------------------------------------------

  private startNewEpoch(): void {
    this.currentEpoch++
    this.reader.reset()
    this.queue = this.queue.filter((item) => item.kind !== 'line')
    this.pendingOutput.length = 0
    if (this.stallTimer) clearTimeout(this.stallTimer)
    this.stallTimer = null
    // A wait of the previous host ends now, so a new host is not kept waiting behind it.
    this.handlers.epochChanged()
  }

  private armStallTimer(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer)
    this.stallTimer = null
    if (!this.reader.inBlock) return
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null
      if (!this.reader.inBlock || this.closed) return
      this.reader.reset()
      this.queue.push({ kind: 'stalled' })
      void this.drain()
    }, this.options.blockStallTimeoutMs)
  }

  private async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    try {
      while (this.queue.length > 0 && !this.closed) {
        const item = this.queue.shift()!
        if (item.kind === 'overrun') {
          this.handlers.overrun(item.lineBytes)
          continue
        }
        if (item.kind === 'stalled') {
          this.handlers.stalled()
          continue
        }
        this.handlers.starting(item.actedOnArrival)
        for (const unit of item.units) {
          // A disconnect (fault or new host) drops the rest of the line.
          if (item.epoch !== this.currentEpoch || this.closed) break
          const pending = this.handlers.execute(unit, item.epoch)
          if (pending) await pending
        }
      }
    } finally {
      this.draining = false
    }
  }

  // ---- output ------------------------------------------------------------------------------

  private emit(bytes: Uint8Array, epoch: number): void {
    if (this.closed || epoch !== this.currentEpoch || this.muted) return
    const out = this.garbled ? this.garbageBytes() : bytes
    if (this.options.latencyMs === 0 && this.pendingOutput.length === 0) {
      this.connection?.write(out)
      return
    }
    this.pendingOutput.push({ dueMs: nowMs() + this.options.latencyMs, bytes: out, epoch })
    this.scheduleOutput()
  }

  private scheduleOutput(): void {
    if (this.outputTimer || this.pendingOutput.length === 0) return
    this.outputTimer = setTimeout(
      () => {
        this.outputTimer = null
        const now = nowMs()
        while (this.pendingOutput.length > 0 && this.pendingOutput[0]!.dueMs <= now) {
          const { bytes, epoch } = this.pendingOutput.shift()!
          if (epoch === this.currentEpoch && !this.closed) this.connection?.write(bytes)
        }
        this.scheduleOutput()
      },
      Math.max(0, this.pendingOutput[0]!.dueMs - nowMs())
    )
  }

  /** Random bytes that are no protocol answer: non-ASCII, then a newline. */
  private garbageBytes(): Uint8Array {
    const length = 8 + Math.floor(this.garbageRng.random() * 32)
    const bytes = new Uint8Array(length + 1)
    for (let i = 0; i < length; i++) bytes[i] = 0x80 + Math.floor(this.garbageRng.random() * 0x80)
    bytes[length] = 0x0a
    return bytes
  }
}
