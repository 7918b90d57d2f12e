/**
 * The device profile form: its fields, and their checking against the contract's own schema
 * (so the form never accepts what main would refuse) plus what the connected instrument can
 * do (channel counts, top rates), which only the renderer knows at the time of editing.
 */
import { z } from 'zod'
import {
  deviceSettingsSchema,
  type DeviceProfile,
  type DeviceSettings,
  type InstrumentCapabilities
} from '../../../src-shared/ipc'

// The page's CSP forbids eval; zod's JIT probe would log a violation (see training-form.ts).
z.config({ jitless: true })

/** Number inputs bound with `bind:value` give null when empty. */
export interface ProfileForm {
  name: string
  portPath: string
  baudRate: number | null
  /** DAC channel per activation electrode (index = electrode). */
  activationChannels: (number | null)[]
  readoutChannel: number | null
  amplificationNanoampsPerVolt: number | null
  invertedOutput: boolean
  dacRateHz: number | null
  adcRateHz: number | null
  averaging: boolean
  plateauLength: number | null
  slopeLength: number | null
}

export type ProfileField =
  Exclude<keyof ProfileForm, 'activationChannels'> | `activationChannels.${number}` | 'activationChannels'
export type ProfileErrors = Partial<Record<ProfileField, string>>

export function profileFormFrom(profile: Pick<DeviceProfile, 'name' | 'settings'>): ProfileForm {
  const s = profile.settings
  return {
    name: profile.name,
    portPath: s.port.path,
    baudRate: s.port.baudRate,
    activationChannels: [...s.activationChannels],
    readoutChannel: s.readoutChannel,
    amplificationNanoampsPerVolt: s.amplificationNanoampsPerVolt,
    invertedOutput: s.invertedOutput,
    dacRateHz: s.dacRateHz,
    adcRateHz: s.adcRateHz,
    averaging: s.averaging,
    plateauLength: s.plateauLength,
    slopeLength: s.slopeLength
  }
}

/** The schema path of a zod issue as a form field ("port.path" is the portPath field). */
function fieldOf(path: readonly PropertyKey[]): ProfileField {
  const [head, next] = path.map(String)
  if (head === 'port') return next === 'baudRate' ? 'baudRate' : 'portPath'
  if (head === 'activationChannels')
    return next === undefined ? 'activationChannels' : `activationChannels.${Number(next)}`
  return (head ?? 'name') as ProfileField
}

function addError(errors: ProfileErrors, field: ProfileField, message: string): void {
  if (!errors[field]) errors[field] = message
}

export interface ProfileCheck {
  errors: ProfileErrors
  /** What `device:save-profile` gets (with the profile id), when there is no error. */
  request: { name: string; settings: DeviceSettings } | null
}

export function checkProfileForm(form: ProfileForm, capabilities: InstrumentCapabilities | null): ProfileCheck {
  const errors: ProfileErrors = {}
  const candidate = {
    port: { path: form.portPath.trim(), baudRate: form.baudRate },
    activationChannels: form.activationChannels,
    readoutChannel: form.readoutChannel,
    amplificationNanoampsPerVolt: form.amplificationNanoampsPerVolt,
    invertedOutput: form.invertedOutput,
    dacRateHz: form.dacRateHz,
    adcRateHz: form.adcRateHz,
    averaging: form.averaging,
    plateauLength: form.plateauLength,
    slopeLength: form.slopeLength
  }
  if (form.name.trim() === '') errors.name = 'a profile needs a name'
  const parsed = deviceSettingsSchema.safeParse(candidate)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // An empty number input arrives as null: say so, rather than zod's "expected number".
      const value = issue.path.reduce<unknown>(
        (at, key) => (at as Record<PropertyKey, unknown> | null)?.[key],
        candidate
      )
      addError(errors, fieldOf(issue.path), value === null ? 'required' : issue.message)
    }
  }

  // Also checked here: the schema's own check does not run while another field is wrong.
  form.activationChannels.forEach((channel, electrode) => {
    const first = form.activationChannels.indexOf(channel)
    if (channel !== null && first < electrode) {
      addError(
        errors,
        `activationChannels.${electrode}`,
        `DAC channel ${channel} already drives electrode ${first}: each electrode needs its own`
      )
    }
  })
  if (capabilities) {
    form.activationChannels.forEach((channel, electrode) => {
      if (channel !== null && channel >= capabilities.activationChannelCount) {
        addError(
          errors,
          `activationChannels.${electrode}`,
          `the instrument has DAC channels 0 to ${capabilities.activationChannelCount - 1}`
        )
      }
    })
    if (form.readoutChannel !== null && form.readoutChannel >= capabilities.readoutChannelCount) {
      addError(errors, 'readoutChannel', `the instrument has ADC channels 0 to ${capabilities.readoutChannelCount - 1}`)
    }
    if (form.dacRateHz !== null && form.dacRateHz > capabilities.maxDacRateHz) {
      addError(errors, 'dacRateHz', `at most ${capabilities.maxDacRateHz} Hz on this instrument`)
    }
    if (form.adcRateHz !== null && form.adcRateHz > capabilities.maxAdcRateHz) {
      addError(errors, 'adcRateHz', `at most ${capabilities.maxAdcRateHz} Hz on this instrument`)
    }
  }
  // The instrument refuses an ADC rate that is not a whole multiple of the DAC rate (-221).
  if (form.dacRateHz && form.adcRateHz && form.dacRateHz > 0 && form.adcRateHz > 0) {
    const ratio = form.adcRateHz / form.dacRateHz
    if (Math.abs(ratio - Math.round(ratio)) > 1e-9 || Math.round(ratio) < 1) {
      addError(errors, 'adcRateHz', `must be a whole multiple of the DAC rate (${form.dacRateHz} Hz)`)
    }
  }

  const ok = Object.keys(errors).length === 0 && parsed.success
  return { errors, request: ok ? { name: form.name.trim(), settings: parsed.data } : null }
}

/** How long `samples` last at the DAC rate, in ms, or null when the rate is not usable. */
export function samplesToMs(samples: number | null, dacRateHz: number | null): number | null {
  if (samples === null || dacRateHz === null || !(dacRateHz > 0) || !Number.isFinite(samples)) return null
  return (samples / dacRateHz) * 1000
}
