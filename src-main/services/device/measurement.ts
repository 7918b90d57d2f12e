/**
 * The measuring job: points -> checked streams -> readouts -> nA, a manual DC test, and the record
 * of what went out and came back (a measurement, for the Waveforms view). Every function takes
 * a `Connected` instrument, which only the DeviceGate hands out (to a lease holder, or to an
 * operation it let through).
 *
 * Safety (README.md "Safety and failure modes"): every stream is checked against the calibration's
 * ranges, the absolute limit, 0 V at both ends and the slew limit in the driver's `validate`
 * hook, so a refused stream is never written; the instrument's interlock is the second line.
 */
import type { MeasurementKind } from '../../../src-shared/ipc'
import { assertStreamSafe, buildStreams, readoutsToPoints, voltsToNanoamps, type StreamPlan } from '../../core'
import type { AcquisitionResult } from '../../instrument/driver'
import type { MeasurementsRepository } from '../../store'
import { channelRangesVolts, electrodeRangesVolts, electrodeRowsToChannelRows } from './layout'
import type { Calibrated, Connected } from './connection'

/** What went out and came back during one operation, for the Waveforms view. */
export interface Recorded {
  /** DAC-channel streams as sent. */
  inputs: Float32Array[]
  /** The profile's readout channel, nA per DAC sample. */
  readouts: Float32Array[]
  masks: boolean[][]
  saturated: boolean
}

export function newRecorded(): Recorded {
  return { inputs: [], readouts: [], masks: [], saturated: false }
}

export interface DcReading {
  electrode: number
  volts: number
  readoutNanoamps: number
  saturated: boolean
}

export class DeviceMeasurement {
  constructor(private readonly measurements: MeasurementsRepository) {}

  /** Rows of activation-electrode voltages -> one current (nA) per row, plateau-averaged; stored as a measurement. */
  async measureRows(
    c: Calibrated,
    inputsVolts: Float32Array,
    rowCount: number,
    kind: MeasurementKind,
    label: string,
    runId: number | null
  ): Promise<{ outputs: Float32Array; measurementId: number }> {
    const settings = c.profile.settings
    const dacChannels = c.capabilities.activationChannelCount
    const channelRows = electrodeRowsToChannelRows(inputsVolts, rowCount, settings.activationChannels, dacChannels)
    const plan = buildStreams(channelRows, rowCount, {
      channelCount: dacChannels,
      shape: { plateauLength: settings.plateauLength, slopeLength: settings.slopeLength },
      dacRateHz: c.driver.configuration.dacRateHz,
      slewVoltsPerSecond: c.capabilities.slewVoltsPerSecond,
      maxSamplesPerChannel: c.capabilities.maxPointsPerChannel
    })
    const recorded = newRecorded()
    const readouts = await this.playPlan(c, plan, channelRangesVolts(settings, c.calibration, dacChannels), recorded)
    const readoutChannels = c.capabilities.readoutChannelCount
    const perPoint = readoutsToPoints(readouts, plan, 'average', {
      readoutChannelCount: readoutChannels,
      readingsPerSample: readingsPerSample(c)
    })
    const outputs = new Float32Array(rowCount)
    for (let r = 0; r < rowCount; r++) {
      outputs[r] = voltsToNanoamps(
        perPoint[r * readoutChannels + settings.readoutChannel]!,
        settings.amplificationNanoampsPerVolt,
        settings.invertedOutput
      )
    }
    const measurementId = this.storeRecorded(c, kind, label, recorded, runId, { shape: plan.shape })
    return { outputs, measurementId }
  }

  /** Manual test: one electrode at `volts` (inside its calibrated range), read the output, back to 0 V. */
  async setDc(c: Calibrated, electrode: number, volts: number): Promise<DcReading> {
    const ranges = electrodeRangesVolts(c.profile.settings, c.calibration)
    const range = ranges[electrode]
    if (!range)
      throw new Error(`electrode: ${electrode} does not exist (the profile has electrodes 0-${ranges.length - 1})`)
    if (!(volts >= range[0] && volts <= range[1])) {
      throw new Error(
        `volts: ${volts} V is outside electrode ${electrode}'s calibrated range [${range[0]}, ${range[1]}] V`
      )
    }
    const channel = c.profile.settings.activationChannels[electrode]!
    const settings = c.profile.settings
    try {
      await c.driver.setDcVoltage(channel, volts)
      const reading = await c.driver.readDc()
      const readoutVolts = reading.readoutVolts[settings.readoutChannel]!
      return {
        electrode,
        volts,
        readoutNanoamps: voltsToNanoamps(readoutVolts, settings.amplificationNanoampsPerVolt, settings.invertedOutput),
        saturated: reading.saturated
      }
    } finally {
      if (c.driver.state === 'open') await c.driver.setDcVoltage(channel, 0).catch(() => undefined)
    }
  }

  /** Checks and plays every acquisition of a plan; returns the raw readouts (volts, interleaved by readout channel). */
  async playPlan(
    c: Connected,
    plan: StreamPlan,
    rangesVolts: [number, number][],
    recorded: Recorded
  ): Promise<Float32Array[]> {
    const limits = {
      rangesVolts,
      absoluteVolts: c.capabilities.absoluteLimitVolts,
      slewVoltsPerSecond: c.capabilities.slewVoltsPerSecond,
      dacRateHz: c.driver.configuration.dacRateHz,
      maxSamplesPerChannel: c.capabilities.maxPointsPerChannel
    }
    const readouts: Float32Array[] = []
    for (const acquisition of plan.acquisitions) {
      const result: AcquisitionResult = await c.driver.acquire(acquisition.stream, acquisition.sampleCount, {
        validate: (stream) => assertStreamSafe(stream, c.capabilities.activationChannelCount, limits)
      })
      const interleaved = interleave(result.readoutVolts)
      readouts.push(interleaved)
      recorded.inputs.push(acquisition.stream)
      recorded.readouts.push(readoutChannelNanoamps(c, result))
      recorded.masks.push(acquisition.mask)
      recorded.saturated ||= result.saturated
    }
    return readouts
  }

  /** Stores what went out (the profile's electrodes) and what came back; returns the measurement id. */
  storeRecorded(
    c: Connected,
    kind: MeasurementKind,
    label: string,
    recorded: Recorded,
    runId: number | null,
    meta: { shape: { plateauLength: number; slopeLength: number } }
  ): number {
    const settings = c.profile.settings
    const dacChannels = c.capabilities.activationChannelCount
    const electrodes = settings.activationChannels.length
    const samples = recorded.masks.reduce((n, mask) => n + mask.length, 0)
    const inputs = new Float32Array(samples * electrodes)
    let at = 0
    for (const stream of recorded.inputs) {
      const count = stream.length / dacChannels
      for (let s = 0; s < count; s++) {
        for (let e = 0; e < electrodes; e++)
          inputs[(at + s) * electrodes + e] = stream[s * dacChannels + settings.activationChannels[e]!]!
      }
      at += count
    }
    const readout = concatFloat32(recorded.readouts)
    const summary = this.measurements.add({
      kind,
      profileId: c.profile.id,
      runId,
      label,
      dacRateHz: c.driver.configuration.dacRateHz,
      plateauLength: meta.shape.plateauLength,
      slopeLength: meta.shape.slopeLength,
      inputsVolts: inputs,
      electrodeCount: electrodes,
      readoutNanoamps: readout,
      plateauMask: recorded.masks.flat(),
      saturated: recorded.saturated,
      meta: { portPath: c.portPath, identity: c.driver.identity }
    })
    return summary.id
  }
}

/** ADC readings per DAC sample: 1 when the instrument averages them, else the oversampling ratio. */
export function readingsPerSample(c: Connected): number {
  const config = c.driver.configuration
  return config.averaging ? 1 : config.adcRateHz / config.dacRateHz
}

/** The readout channel of the profile, one value per DAC sample (oversampled readings averaged), in nA. */
function readoutChannelNanoamps(c: Connected, result: AcquisitionResult): Float32Array {
  const settings = c.profile.settings
  const raw = result.readoutVolts[settings.readoutChannel]!
  const ratio = readingsPerSample(c)
  const samples = raw.length / ratio
  const out = new Float32Array(samples)
  for (let s = 0; s < samples; s++) {
    let sum = 0
    for (let k = 0; k < ratio; k++) sum += raw[s * ratio + k]!
    out[s] = voltsToNanoamps(sum / ratio, settings.amplificationNanoampsPerVolt, settings.invertedOutput)
  }
  return out
}

function interleave(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!
  const length = channels[0]?.length ?? 0
  const out = new Float32Array(length * channels.length)
  for (let i = 0; i < length; i++)
    for (let ch = 0; ch < channels.length; ch++) out[i * channels.length + ch] = channels[ch]![i]!
  return out
}

function concatFloat32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  parts.reduce((at, part) => {
    out.set(part, at)
    return at + part.length
  }, 0)
  return out
}
