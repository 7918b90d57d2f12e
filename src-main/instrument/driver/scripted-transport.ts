/**
 * A transport that replays a recorded exchange (PyMeasure's `expected_protocol`): each step is
 * the bytes the host must send and the bytes the instrument answered. Any byte the host sends
 * that the script does not expect is a mismatch: the write rejects and `assertDone()` throws.
 * For tests of the driver and of services that use it.
 */

import { concatBytes as concatByteArrays } from '../protocol'
import type { Transport } from './transport'

export type Bytes = string | Uint8Array

export interface ScriptStep {
  /** What the host must write (text is latin1; include the `\n`). */
  host: Bytes
  /** The instrument's answer, sent once `host` has fully arrived; an array is sent as separate chunks. */
  reply?: Bytes | Bytes[]
  /** Deliver the reply one byte per chunk, the worst a serial port can do. */
  bytewise?: boolean
  /** Close the link (after the reply, if any): a cable pulled or the simulator quitting. */
  close?: boolean
}

export function toBytes(bytes: Bytes): Uint8Array {
  if (typeof bytes !== 'string') return bytes
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i) & 0xff
  return out
}

/** Text or bytes, one after the other, as bytes. */
export function concatBytes(...pieces: Bytes[]): Uint8Array {
  return concatByteArrays(...pieces.map(toBytes))
}

/** A query and its one-line answer (`answer` without the `\n`). */
export function query(command: string, answer: string, options: Omit<ScriptStep, 'host' | 'reply'> = {}): ScriptStep {
  return { host: `${command}\n`, reply: `${answer}\n`, ...options }
}

/** A command without an answer. */
export function command(line: Bytes): ScriptStep {
  return { host: typeof line === 'string' ? `${line}\n` : concatBytes(line, '\n') }
}

function show(bytes: Uint8Array): string {
  return JSON.stringify(new TextDecoder('latin1').decode(bytes.subarray(0, 80)))
}

export class ScriptedTransport implements Transport {
  readonly description = 'scripted transport'
  readonly bytesPerSecond = Infinity
  /** Every byte the host wrote, in order. */
  written: Uint8Array = new Uint8Array(0) as Uint8Array
  private readonly steps: ScriptStep[]
  private received: Uint8Array = new Uint8Array(0)
  private open = true
  private mismatch: string | null = null
  private readonly dataListeners: Array<(bytes: Uint8Array) => void> = []
  private readonly closeListeners: Array<(error?: Error) => void> = []
  /** Replies are delivered in order, each chunk on its own turn of the event loop. */
  private delivery: Promise<void> = Promise.resolve()

  constructor(steps: ScriptStep[]) {
    this.steps = [...steps]
  }

  get isOpen(): boolean {
    return this.open
  }

  /** Steps not yet played. */
  get remaining(): number {
    return this.steps.length
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.open) return Promise.reject(new Error('scripted transport is closed'))
    this.written = concatBytes(this.written, bytes)
    this.received = concatBytes(this.received, bytes)
    while (this.steps.length > 0 && this.mismatch === null) {
      const expected = toBytes(this.steps[0]!.host)
      const n = Math.min(expected.length, this.received.length)
      for (let i = 0; i < n; i++) {
        if (expected[i] !== this.received[i]) {
          this.mismatch = `host sent ${show(this.received)} where the script expects ${show(expected)} (byte ${i})`
          break
        }
      }
      if (this.mismatch !== null || this.received.length < expected.length) break
      this.received = this.received.slice(expected.length)
      this.play(this.steps.shift()!)
    }
    if (this.mismatch === null && this.steps.length === 0 && this.received.length > 0) {
      this.mismatch = `host sent ${show(this.received)} after the end of the script`
    }
    return this.mismatch === null ? Promise.resolve() : Promise.reject(new Error(this.mismatch))
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.dataListeners.push(listener)
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener)
  }

  async close(): Promise<void> {
    this.closeNow()
  }

  /** Sends bytes from the "instrument" outside the script (unsolicited bytes). */
  inject(bytes: Bytes): void {
    this.enqueueDelivery(() => this.emit(toBytes(bytes)))
  }

  /** Throws when the host deviated from the script or left steps unplayed. */
  assertDone(): void {
    if (this.mismatch !== null) throw new Error(this.mismatch)
    if (this.steps.length > 0)
      throw new Error(
        `${this.steps.length} script steps not played; next expects ${show(toBytes(this.steps[0]!.host))}`
      )
  }

  /** Resolves once every reply scheduled so far has been delivered. */
  settled(): Promise<void> {
    return this.delivery
  }

  private play(step: ScriptStep): void {
    const chunks: Uint8Array[] = []
    const replies = step.reply === undefined ? [] : Array.isArray(step.reply) ? step.reply : [step.reply]
    for (const reply of replies) {
      const bytes = toBytes(reply)
      if (step.bytewise) for (const byte of bytes) chunks.push(Uint8Array.of(byte))
      else chunks.push(bytes)
    }
    for (const chunk of chunks) this.enqueueDelivery(() => this.emit(chunk))
    if (step.close) this.enqueueDelivery(() => this.closeNow())
  }

  private enqueueDelivery(deliver: () => void): void {
    this.delivery = this.delivery.then(
      () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            deliver()
            resolve()
          })
        )
    )
  }

  private emit(bytes: Uint8Array): void {
    if (!this.open) return
    for (const listener of this.dataListeners) listener(bytes)
  }

  private closeNow(): void {
    if (!this.open) return
    this.open = false
    for (const listener of this.closeListeners) listener()
  }
}
