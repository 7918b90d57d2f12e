/**
 * The built-in simulated instrument ("Simulated DNPU"): one per process, kept across
 * reconnects like a real box. Its device is a surrogate from the catalog (the demo one unless
 * the technician picks another in Models). Each model is a different simulated device, so its
 * serial number names the model and connecting finds that device's own profile and calibration.
 *
 * It plays 10x faster than real time by default, so a GA on it takes about a second per
 * generation rather than ten; DNPU_SIM_SPEED overrides (a number, or "inf" for no waiting).
 */
import { duplexTransport, type Transport } from '../instrument/driver'
import { createInProcessLink, createSurrogateInstrument, type ScpiInstrument } from '../instrument/simulator'
import { DEMO_MODEL_ID, type ModelCatalog } from './model-catalog'

export class InProcessSimulator {
  private instrument: ScpiInstrument | null = null
  private currentModelId = DEMO_MODEL_ID

  constructor(private readonly models: ModelCatalog) {}

  get modelId(): string {
    return this.currentModelId
  }

  /** The catalog name of the device model, for the port list. */
  get modelName(): string {
    return this.models.get(this.currentModelId)?.summary.name ?? this.currentModelId
  }

  /** A new link to the instrument (created on first use). */
  open(): Promise<Transport> {
    if (!this.instrument) {
      const model = this.models.get(this.currentModelId)
      if (!model)
        throw new Error(`the simulated instrument's device model "${this.currentModelId}" is not in the catalog`)
      this.instrument = createSurrogateInstrument(model.definition, {
        speed: inProcessSimulatorSpeed(),
        identity: { serial: `SIM-${this.currentModelId}` }
      })
    }
    return Promise.resolve(
      duplexTransport(createInProcessLink(this.instrument), { description: 'Simulated DNPU (built in)' })
    )
  }

  /** Puts another surrogate in the box; the caller disconnects first. */
  useModel(modelId: string): void {
    if (!this.models.get(modelId)) throw new Error(`modelId: no model "${modelId}"`)
    if (modelId === this.currentModelId) return
    this.close()
    this.currentModelId = modelId
  }

  close(): void {
    this.instrument?.close()
    this.instrument = null
  }
}

export function inProcessSimulatorSpeed(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.DNPU_SIM_SPEED?.trim().toLowerCase()
  if (!text) return 10
  if (text === 'inf' || text === 'infinity') return Infinity
  const speed = Number(text)
  if (!Number.isFinite(speed) || speed <= 0)
    throw new Error(`DNPU_SIM_SPEED must be a positive number or "inf", got "${text}"`)
  return speed
}
