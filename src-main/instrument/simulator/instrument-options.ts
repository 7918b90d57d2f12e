/**
 * The simulated instrument's options and their checks: the box (capabilities, identity), the
 * readout amplifier and its noise, time (speed, latency), faults and logs. A bad option throws a
 * RangeError before anything starts.
 */
import { Rng } from '../../core/rng'
import type { AdcSettings } from './adc'
import {
  BLOCK_STALL_TIMEOUT_MS,
  checkCapabilities,
  DEFAULT_CAPABILITIES,
  DEFAULT_IDENTITY,
  type InstrumentIdentity,
  type SimulatorCapabilities
} from './capabilities'
import type { SimulatedDevice } from './device'
import type { FaultSpec } from './faults'
import type { OutputsLogRecord, UploadLogRecord } from './upload-log'

export interface ScpiInstrumentOptions {
  device: SimulatedDevice
  capabilities?: Partial<SimulatorCapabilities>
  identity?: Partial<InstrumentIdentity>
  /** nA per volt of the readout amplifier (one value for every channel, or one per channel); default: the device's own. */
  amplificationNanoampsPerVolt?: number | readonly number[]
  /** An inverting amplifier: readings are negated. */
  inverted?: boolean
  /** Gaussian noise on every raw ADC point, standard deviation in nA (default 0). */
  noiseStdNanoamps?: number
  /** Seed of the noise and garbage generators (uint32, default 1). */
  seed?: number
  /** Real time divided by this: 1 = real time, Infinity = never wait. */
  speed?: number
  /** Every answer leaves this many ms after it was produced. */
  latencyMs?: number
  faults?: readonly FaultSpec[]
  /** Called once per upload accepted or rejected (also for streams INIT rejects on its re-check). */
  onUpload?: (record: UploadLogRecord) => void
  /** Called once per command that moved the outputs outside playback (ABOR, *RST, an interlock trip, SOUR:VOLT). */
  onOutputs?: (record: OutputsLogRecord) => void
  blockStallTimeoutMs?: number
}

/** The options checked, with their defaults filled in. */
export interface InstrumentSetup {
  capabilities: SimulatorCapabilities
  /** The `*IDN?` answer. */
  identification: string
  adc: AdcSettings
  speed: number
  latencyMs: number
  seed: number
  faults: readonly FaultSpec[]
  blockStallTimeoutMs: number
}

export function resolveOptions(options: ScpiInstrumentOptions): InstrumentSetup {
  const capabilities: SimulatorCapabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities }
  checkCapabilities(capabilities)
  const { activationChannelCount, readoutChannelCount } = options.device
  const identity = { ...DEFAULT_IDENTITY, ...options.identity }
  const model = identity.model ?? `DAQ-${activationChannelCount}x${readoutChannelCount}`
  const identification = [identity.maker, model, identity.serial, identity.firmware].join(',')

  const amplification = options.amplificationNanoampsPerVolt ?? options.device.amplificationNanoampsPerVolt
  const perChannel =
    typeof amplification === 'number' ? new Array<number>(readoutChannelCount).fill(amplification) : [...amplification]
  if (perChannel.length !== readoutChannelCount || !perChannel.every((a) => Number.isFinite(a) && a !== 0)) {
    throw new RangeError(
      `amplification must be one finite non-zero nA/V value per readout channel (${readoutChannelCount}), got [${perChannel.join(', ')}]`
    )
  }
  const noiseStdNanoamps = options.noiseStdNanoamps ?? 0
  if (!(Number.isFinite(noiseStdNanoamps) && noiseStdNanoamps >= 0))
    throw new RangeError(`noise std must be a finite number >= 0 nA, got ${noiseStdNanoamps}`)
  const seed = options.seed ?? 1
  const adc: AdcSettings = {
    amplificationNanoampsPerVolt: perChannel,
    inverted: options.inverted ?? false,
    noiseStdNanoamps,
    rng: new Rng(seed),
    adcRangeVolts: capabilities.adcRangeVolts
  }
  const speed = options.speed ?? 1
  if (!(speed > 0)) throw new RangeError(`speed must be > 0 (Infinity: as fast as possible), got ${speed}`)
  const latencyMs = options.latencyMs ?? 0
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0))
    throw new RangeError(`latency must be a finite number of ms >= 0, got ${latencyMs}`)
  return {
    capabilities,
    identification,
    adc,
    speed,
    latencyMs,
    seed,
    faults: [...(options.faults ?? [])],
    blockStallTimeoutMs: options.blockStallTimeoutMs ?? BLOCK_STALL_TIMEOUT_MS
  }
}
