/**
 * DC outputs that move at the slew limit: each channel ramps linearly from where it is to its
 * target, taking |dv| / slew seconds divided by the simulation speed.
 */

interface Ramp {
  fromVolts: number
  toVolts: number
  startMs: number
  endMs: number
}

export class OutputRamps {
  private readonly ramps: Ramp[]

  constructor(
    channelCount: number,
    private readonly slewVoltsPerSecond: number,
    /** Simulation speed: Infinity makes every ramp instant. */
    private readonly speed: number
  ) {
    this.ramps = Array.from({ length: channelCount }, () => ({ fromVolts: 0, toVolts: 0, startMs: 0, endMs: 0 }))
  }

  valueAt(channel: number, nowMs: number): number {
    const ramp = this.ramps[channel]!
    if (nowMs >= ramp.endMs) return ramp.toVolts
    const fraction = (nowMs - ramp.startMs) / (ramp.endMs - ramp.startMs)
    return ramp.fromVolts + (ramp.toVolts - ramp.fromVolts) * fraction
  }

  /** Starts a ramp from the present value to `toVolts`. */
  rampTo(channel: number, toVolts: number, nowMs: number): void {
    this.rampBetween(channel, this.valueAt(channel, nowMs), toVolts, nowMs)
  }

  /** Starts a ramp from `fromVolts` (where playback left the output) to `toVolts`. */
  rampBetween(channel: number, fromVolts: number, toVolts: number, nowMs: number): void {
    const seconds = Math.abs(toVolts - fromVolts) / this.slewVoltsPerSecond / this.speed
    this.ramps[channel] = { fromVolts, toVolts, startMs: nowMs, endMs: nowMs + seconds * 1000 }
  }

  /** When the last ramp in progress ends (in the past when every output is settled). */
  settledAtMs(): number {
    return Math.max(...this.ramps.map((ramp) => ramp.endMs))
  }
}
