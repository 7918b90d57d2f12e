/** Helpers for the simulator's tests: a linear fake device and a host that talks raw bytes. */
import { FrameReader, type Frame } from '../protocol/frame-reader'
export { concatBytes } from '../protocol/block'
import type { SimulatedDevice } from './device'
import { ScpiInstrument, type ScpiInstrumentOptions } from './scpi-instrument'

export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

/**
 * current (nA) = nanoampsPerVolt x the sum of the activation volts; with the default
 * amplification (10 nA/V) the reading is the sum of the volts.
 */
export function linearDevice(
  channels = 7,
  readouts = 1,
  nanoampsPerVolt = 10
): SimulatedDevice & { calls: number; disposed: boolean } {
  const device = {
    activationChannelCount: channels,
    readoutChannelCount: readouts,
    amplificationNanoampsPerVolt: new Array<number>(readouts).fill(10),
    calls: 0,
    disposed: false,
    currentsNanoamps: async (volts: Float32Array, rows: number) => {
      device.calls++
      const out = new Float32Array(rows * readouts)
      for (let row = 0; row < rows; row++) {
        let sum = 0
        for (let channel = 0; channel < channels; channel++) sum += volts[row * channels + channel]!
        for (let readout = 0; readout < readouts; readout++)
          out[row * readouts + readout] = nanoampsPerVolt * sum * (readout + 1)
      }
      return out
    },
    dispose: () => {
      device.disposed = true
    }
  }
  return device
}

/** A host attached to an instrument: raw bytes out, answer frames and raw bytes in. */
export class TestHost {
  readonly received: Uint8Array[] = []
  readonly frames: Frame[] = []
  disconnects = 0
  private readonly reader = new FrameReader()

  constructor(readonly instrument: ScpiInstrument) {
    instrument.attach({
      write: (bytes) => {
        this.received.push(bytes)
        for (const event of this.reader.push(bytes)) if (event.kind === 'frame') this.frames.push(event.frame)
      },
      disconnect: () => {
        this.disconnects++
      }
    })
  }

  static create(options: Partial<ScpiInstrumentOptions> = {}): TestHost {
    return new TestHost(new ScpiInstrument({ device: linearDevice(), speed: Infinity, ...options }))
  }

  send(data: string | Uint8Array): void {
    this.instrument.push(typeof data === 'string' ? ascii(data) : data)
  }

  /** All bytes received so far, as latin1 text. */
  get receivedText(): string {
    return Buffer.concat(this.received).toString('latin1')
  }

  /** Waits for `count` more answer frames than `from` and returns them. */
  async frameAnswers(count: number, from = this.frames.length, timeoutMs = 5000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs
    while (this.frames.length < from + count) {
      if (Date.now() > deadline)
        throw new Error(
          `expected ${count} answers, got ${this.frames.length - from}: ${JSON.stringify(this.frames.slice(from))}`
        )
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    return this.frames.slice(from, from + count)
  }

  /** Sends `line` and returns the `count` text answers it produced. */
  async ask(line: string, count = 1): Promise<string[]> {
    const from = this.frames.length
    this.send(line)
    const frames = await this.frameAnswers(count, from)
    return frames.map((frame) =>
      frame.parts
        .map((part) => (typeof part === 'string' ? part : `<block ${part instanceof Uint8Array ? part.length : '?'}>`))
        .join('')
    )
  }

  /** Sends `line` and returns its one block answer as float32 values. */
  async askBlock(line: string | Uint8Array): Promise<Float32Array> {
    const from = this.frames.length
    this.send(line)
    const [frame] = await this.frameAnswers(1, from)
    const part = frame!.parts[0]
    if (frame!.parts.length !== 1 || !(part instanceof Uint8Array))
      throw new Error(`expected one block, got ${JSON.stringify(frame)}`)
    const view = new DataView(part.buffer, part.byteOffset, part.byteLength)
    return Float32Array.from({ length: part.length / 4 }, (_, i) => view.getFloat32(i * 4, true))
  }

  /** Every queued error until `0,"No error"`. */
  async drainErrors(): Promise<string[]> {
    const errors: string[] = []
    for (;;) {
      const [answer] = await this.ask('SYST:ERR?\n')
      if (answer === '0,"No error"') return errors
      errors.push(answer!)
    }
  }

  /** The codes of every queued error. */
  async errorCodes(): Promise<number[]> {
    return (await this.drainErrors()).map((entry) => Number(entry.split(',')[0]))
  }
}

/** An interleaved stream: `perChannel[c]` is channel c's samples (all the same length). */
export function interleave(perChannel: number[][]): Float32Array {
  const samples = perChannel[0]!.length
  const out = new Float32Array(samples * perChannel.length)
  perChannel.forEach((values, channel) =>
    values.forEach((volts, sample) => (out[sample * perChannel.length + channel] = volts))
  )
  return out
}

/** A 7-channel stream whose channel 0 ramps 0 -> peak -> 0 in steps of `step`, the others stay 0. */
export function triangleStream(peakVolts: number, stepVolts: number, channels = 7): Float32Array {
  const up: number[] = []
  for (let volts = 0; volts < peakVolts; volts += stepVolts) up.push(volts)
  const channel0 = [...up, peakVolts, ...up.slice().reverse()]
  return interleave(
    Array.from({ length: channels }, (_, channel) => (channel === 0 ? channel0 : channel0.map(() => 0)))
  )
}
