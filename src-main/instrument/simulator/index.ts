/** The bundled simulated DNPU-DAQ instrument (README.md in this folder). */
import type { SurrogateDefinition } from '../../core/surrogate-definition'
import { surrogateDevice } from './device'
import { ScpiInstrument, type ScpiInstrumentOptions } from './scpi-instrument'

export {
  ScpiInstrument,
  adcPointsPerSample,
  type ScpiInstrumentOptions,
  type InstrumentConnection
} from './scpi-instrument'
export { surrogateDevice, type SimulatedDevice } from './device'
export {
  DEFAULT_CAPABILITIES,
  DEFAULT_IDENTITY,
  type SimulatorCapabilities,
  type InstrumentIdentity
} from './capabilities'
export { parseFaultSpec, FAULT_KINDS, type FaultSpec, type FaultKind } from './faults'
export {
  uploadLogFileWriter,
  uploadLogLine,
  type OutputsEvent,
  type OutputsLogRecord,
  type SimulatorLogRecord,
  type UploadLogRecord
} from './upload-log'
export {
  createInProcessLink,
  startTcpTransport,
  startPtyTransport,
  type TcpTransport,
  type PtyTransport,
  type PtyOptions
} from './transports'

/**
 * A simulated instrument whose device is `definition` (e.g. the demo surrogate): activation
 * channels = model inputs, readout channels = model outputs, amplification = the model's own
 * unless overridden. `close()` also frees the model.
 */
export function createSurrogateInstrument(
  definition: SurrogateDefinition,
  options: Omit<ScpiInstrumentOptions, 'device'> = {}
): ScpiInstrument {
  return new ScpiInstrument({ ...options, device: surrogateDevice(definition) })
}
