/**
 * The instrument's settings and DC outputs: DAC and ADC rates, averaging, per-channel voltage
 * limits and setpoints (with their slew-limited ramps), and the SCPI commands that change them.
 * Every setter validates its text parameters, queues an error on a bad one and leaves the
 * setting as it was.
 */
import {
  POWER_ON_ADC_RATE_HZ,
  POWER_ON_AVERAGING,
  POWER_ON_DAC_RATE_HZ,
  type SimulatorCapabilities
} from './capabilities'
import type { ErrorQueue } from './error-queue'
import { OutputRamps } from './output-ramps'
import { formatPlainDecimal, formatReading, parseNrNumber } from './scpi-syntax'
import type { ContentRules } from './stream-check'
import { nowMs } from './timing'
import type { OutputsEvent } from './upload-log'

/** What the registers need from the rest of the instrument. */
export interface RegisterHooks {
  errors: ErrorQueue
  /** True while an acquisition runs: configuration and SOUR:VOLT are refused then. */
  busy(): boolean
  /** Each output at `now`: the sample playing, else where its DC ramp is. */
  presentOutputs(now: number): number[]
  logOutputs(event: OutputsEvent, fromVolts: number[], playbackStopped: boolean, now: number): void
  /** An output started moving: waits re-check whether the instrument is idle. */
  changed(): void
}

export class InstrumentRegisters {
  dacRateHz = POWER_ON_DAC_RATE_HZ
  adcRateHz = POWER_ON_ADC_RATE_HZ
  averaging = POWER_ON_AVERAGING
  limitsVolts: [number, number][]
  readonly setpointsVolts: number[]
  readonly ramps: OutputRamps

  constructor(
    private readonly channelCount: number,
    private readonly capabilities: SimulatorCapabilities,
    speed: number,
    private readonly hooks: RegisterHooks
  ) {
    this.limitsVolts = this.absoluteLimits()
    this.setpointsVolts = new Array<number>(channelCount).fill(0)
    this.ramps = new OutputRamps(channelCount, capabilities.slewVoltsPerSecond, speed)
  }

  /** What every uploaded stream must satisfy under the present settings. */
  contentRules(): ContentRules {
    return {
      channelCount: this.channelCount,
      limitsVolts: this.limitsVolts,
      maxStepVolts: this.capabilities.slewVoltsPerSecond / this.dacRateHz
    }
  }

  /** *RST: rates, averaging and limits back to their power-on values (outputs are zeroed by the abort). */
  powerOn(): void {
    this.dacRateHz = POWER_ON_DAC_RATE_HZ
    this.adcRateHz = POWER_ON_ADC_RATE_HZ
    this.averaging = POWER_ON_AVERAGING
    this.limitsVolts = this.absoluteLimits()
  }

  allOutputsToZero(now: number): void {
    this.setpointsVolts.fill(0)
    for (let channel = 0; channel < this.channelCount; channel++) this.ramps.rampTo(channel, 0, now)
    this.hooks.changed()
  }

  parseNumber(text: string, what: string): number | null {
    const value = parseNrNumber(text)
    if (value === null) this.hooks.errors.push(-224, `${what} must be a number (NR1/NR2/NR3, no unit), got "${text}"`)
    return value
  }

  parseChannel(text: string): number | null {
    const value = parseNrNumber(text)
    if (value === null || !Number.isInteger(value) || value < 0 || value >= this.channelCount) {
      this.hooks.errors.push(-224, `channel must be 0..${this.channelCount - 1}, got "${text}"`)
      return null
    }
    return value
  }

  setDacRate(text: string): void {
    const hz = this.parseRate(text, 'SOUR:FREQ', this.capabilities.dacRateMaxHz)
    if (hz !== null) this.dacRateHz = hz
  }

  setAdcRate(text: string): void {
    const hz = this.parseRate(text, 'SENS:FREQ', this.capabilities.adcRateMaxHz)
    if (hz === null) return
    if (adcPointsPerSample(hz, this.dacRateHz) === null) {
      this.hooks.errors.push(
        -221,
        `SENS:FREQ ${text} Hz is not an integer multiple of the DAC rate ${formatPlainDecimal(this.dacRateHz)} Hz (set SOUR:FREQ first)`
      )
      return
    }
    this.adcRateHz = hz
  }

  setAveraging(text: string): void {
    const upper = text.toUpperCase()
    const on = upper === 'ON' || upper === '1' ? true : upper === 'OFF' || upper === '0' ? false : null
    if (on === null) {
      this.hooks.errors.push(-224, `SENS:AVER takes ON, OFF, 1 or 0, got "${text}"`)
      return
    }
    if (this.refuseWhileBusy('SENS:AVER')) return
    this.averaging = on
  }

  setLimit([channelText, minText, maxText]: [string, string, string]): void {
    const channel = this.parseChannel(channelText)
    if (channel === null) return
    const min = this.parseNumber(minText, 'SOUR:VOLT:LIM min')
    if (min === null) return
    const max = this.parseNumber(maxText, 'SOUR:VOLT:LIM max')
    if (max === null || this.refuseWhileBusy('SOUR:VOLT:LIM')) return
    if (!(min <= 0 && 0 <= max)) {
      this.hooks.errors.push(-224, `SOUR:VOLT:LIM needs min <= 0 <= max, got ${minText},${maxText}`)
      return
    }
    const [absMin, absMax] = this.capabilities.absoluteLimitVolts
    if (min < absMin || max > absMax) {
      this.hooks.errors.push(
        -222,
        `SOUR:VOLT:LIM ${minText},${maxText} is outside the absolute limit [${absMin}, ${absMax}] V`
      )
      return
    }
    this.limitsVolts[channel] = [min, max]
    const now = nowMs()
    const present = this.ramps.valueAt(channel, now)
    const setpoint = this.setpointsVolts[channel]!
    const outside = (volts: number) => volts < min || volts > max
    if (outside(present) || outside(setpoint)) {
      this.hooks.errors.push(
        102,
        `channel ${channel} output ${formatReading(outside(present) ? present : setpoint)} V is outside its new limit [${min}, ${max}] V: every output driven to 0 V`
      )
      const fromVolts = this.hooks.presentOutputs(now)
      this.allOutputsToZero(now)
      this.hooks.logOutputs('interlock', fromVolts, false, now)
    }
  }

  setVoltage(channelText: string, voltsText: string): void {
    const channel = this.parseChannel(channelText)
    if (channel === null) return
    const volts = this.parseNumber(voltsText, 'SOUR:VOLT')
    if (volts === null || this.refuseWhileBusy('SOUR:VOLT')) return
    const [min, max] = this.limitsVolts[channel]!
    if (volts < min || volts > max) {
      this.hooks.errors.push(
        -222,
        `SOUR:VOLT ${voltsText} V on channel ${channel} is outside its limit [${min}, ${max}] V`
      )
      return
    }
    const now = nowMs()
    const fromVolts = this.hooks.presentOutputs(now)
    this.setpointsVolts[channel] = volts
    this.ramps.rampTo(channel, volts, now)
    this.hooks.changed()
    this.hooks.logOutputs('set-voltage', fromVolts, false, now)
  }

  /** A rate in Hz for `command`: a number (-224), not while busy (-221), in (0, max] (-222); null after queuing the error. */
  private parseRate(text: string, command: string, maxHz: number): number | null {
    const hz = this.parseNumber(text, command)
    if (hz === null || this.refuseWhileBusy(command)) return null
    if (!(hz > 0 && hz <= maxHz)) {
      this.hooks.errors.push(-222, `${command} must be in (0, ${maxHz}] Hz, got ${text}`)
      return null
    }
    return hz
  }

  /** Configuration, uploads and SOUR:VOLT are refused while an acquisition runs. */
  private refuseWhileBusy(what: string): boolean {
    if (!this.hooks.busy()) return false
    this.hooks.errors.push(-221, `${what} during an acquisition: wait for *OPC? or send ABOR`)
    return true
  }

  private absoluteLimits(): [number, number][] {
    const [absMin, absMax] = this.capabilities.absoluteLimitVolts
    return Array.from({ length: this.channelCount }, (): [number, number] => [absMin, absMax])
  }
}

/** ADC points per DAC sample: the integer ADC/DAC ratio, or null when the rates do not divide. */
export function adcPointsPerSample(adcRateHz: number, dacRateHz: number): number | null {
  const ratio = adcRateHz / dacRateHz
  const rounded = Math.round(ratio)
  return rounded >= 1 && Math.abs(ratio - rounded) <= 1e-9 * ratio ? rounded : null
}
