/** Every header the instrument understands, in SCPI notation (upper case = the short form). */
import { headerMatches } from './scpi-syntax'

export const COMMAND_PATTERNS = {
  identify: '*IDN?',
  reset: '*RST',
  clearStatus: '*CLS',
  operationComplete: '*OPC?',
  nextError: 'SYSTem:ERRor?',
  activationChannelCount: 'SOURce:CHANnel:COUNt?',
  readoutChannelCount: 'SENSe:CHANnel:COUNt?',
  absoluteLimit: 'SOURce:VOLTage:ABSolute?',
  adcRange: 'SENSe:VOLTage:RANGe?',
  dacRateMax: 'SOURce:FREQuency:MAXimum?',
  adcRateMax: 'SENSe:FREQuency:MAXimum?',
  pointsMax: 'WAVeform:POINts:MAXimum?',
  slewMax: 'SOURce:VOLTage:SLEW?',
  setDacRate: 'SOURce:FREQuency',
  dacRate: 'SOURce:FREQuency?',
  setAdcRate: 'SENSe:FREQuency',
  adcRate: 'SENSe:FREQuency?',
  setAveraging: 'SENSe:AVERage',
  averaging: 'SENSe:AVERage?',
  setLimit: 'SOURce:VOLTage:LIMit',
  limit: 'SOURce:VOLTage:LIMit?',
  setVoltage: 'SOURce:VOLTage',
  voltage: 'SOURce:VOLTage?',
  read: 'READ?',
  upload: 'WAVeform:DATA',
  initiate: 'INITiate',
  fetch: 'FETCh?',
  abort: 'ABORt',
  measure: 'MEASure?'
} as const

export type CommandName = keyof typeof COMMAND_PATTERNS

const ENTRIES = Object.entries(COMMAND_PATTERNS) as [CommandName, string][]

/** The command a header names, or null (-113 Undefined header). */
export function lookupCommand(header: string): CommandName | null {
  return ENTRIES.find(([, pattern]) => headerMatches(pattern, header))?.[0] ?? null
}
