/**
 * Raw acquisitions for a sampling session (a surrogate's dataset): one stream of activation
 * electrode rows, already shaped by the caller (core/sampling: sines ramped from and to 0 V), is
 * played as it is, and every DAC sample's reading comes back. Unlike measureRows there are no
 * plateaus and nothing is stored as a measurement: the dataset is its own record.
 *
 * Safety (README.md "Safety and failure modes"): the stream is checked against the active
 * calibration's ranges, the absolute limit, 0 V at both ends and the slew limit in the driver's
 * `validate` hook, like every other stream, so a refused stream is never written.
 */
import { assertStreamSafe } from '../../core'
import type { CalibratedDevice } from './device-gate'
import type { Calibrated } from './connection'
import { adcRangeNanoamps, channelRangesVolts, electrodeRangesVolts, electrodeRowsToChannelRows } from './layout'
import { readingsPerSample } from './measurement'

/** What a sampling session needs to know of the connected, calibrated device. */
export interface SamplingTarget {
  profileId: number
  profileName: string
  calibrationId: number
  calibrationVersion: number
  electrodeRangesVolts: [number, number][]
  /** The profile's DAC rate: one dataset sample per DAC sample. */
  sampleRateHz: number
  slewVoltsPerSecond: number
  maxSamplesPerChannel: number
  amplificationNanoampsPerVolt: number
  invertedOutput: boolean
  /** The ADC's range in nA: an output at (or beyond) it is clipped. */
  clippingNanoamps: [number, number]
}

/** One chunk's readings: the profile's readout channel, one per DAC sample. */
export interface RawReadout {
  readoutVolts: Float32Array
  /** Per DAC sample: the reading sat at (or beyond) the ADC range edge. */
  clipped: boolean[]
}

export function samplingTargetOf(c: CalibratedDevice): SamplingTarget {
  const settings = c.profile.settings
  return {
    profileId: c.profile.id,
    profileName: c.profile.name,
    calibrationId: c.calibration.id,
    calibrationVersion: c.calibration.version,
    electrodeRangesVolts: electrodeRangesVolts(settings, c.calibration),
    sampleRateHz: settings.dacRateHz,
    slewVoltsPerSecond: c.capabilities.slewVoltsPerSecond,
    maxSamplesPerChannel: c.capabilities.maxPointsPerChannel,
    amplificationNanoampsPerVolt: settings.amplificationNanoampsPerVolt,
    invertedOutput: settings.invertedOutput,
    clippingNanoamps: adcRangeNanoamps(settings, c.capabilities)
  }
}

/** Checks and plays `electrodeRows` (rowCount rows x the profile's electrodes) as one acquisition. */
export async function playElectrodeRows(
  c: Calibrated,
  electrodeRows: Float32Array,
  rowCount: number
): Promise<RawReadout> {
  const settings = c.profile.settings
  const dacChannels = c.capabilities.activationChannelCount
  const stream = electrodeRowsToChannelRows(electrodeRows, rowCount, settings.activationChannels, dacChannels)
  const limits = {
    rangesVolts: channelRangesVolts(settings, c.calibration, dacChannels),
    absoluteVolts: c.capabilities.absoluteLimitVolts,
    slewVoltsPerSecond: c.capabilities.slewVoltsPerSecond,
    dacRateHz: c.driver.configuration.dacRateHz,
    maxSamplesPerChannel: c.capabilities.maxPointsPerChannel
  }
  const result = await c.driver.acquire(stream, rowCount, {
    validate: (checked) => assertStreamSafe(checked, dacChannels, limits)
  })
  const raw = result.readoutVolts[settings.readoutChannel]!
  const ratio = readingsPerSample(c)
  if (raw.length !== rowCount * ratio)
    throw new Error(
      `the instrument returned ${raw.length} readings for ${rowCount} samples (expected ${rowCount * ratio})`
    )
  // Compared as float32, like the instrument: a saturated reading is exactly the edge.
  const [adcMin, adcMax] = c.capabilities.adcRangeVolts.map((v) => Math.fround(v)) as [number, number]
  const readoutVolts = new Float32Array(rowCount)
  const clipped: boolean[] = new Array<boolean>(rowCount)
  for (let s = 0; s < rowCount; s++) {
    let sum = 0
    let atEdge = false
    for (let k = 0; k < ratio; k++) {
      const reading = raw[s * ratio + k]!
      sum += reading
      atEdge ||= reading <= adcMin || reading >= adcMax
    }
    readoutVolts[s] = sum / ratio
    clipped[s] = atEdge
  }
  return { readoutVolts, clipped }
}
