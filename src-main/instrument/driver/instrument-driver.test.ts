import { describe, expect, it } from 'vitest'
import { float32LeBytes } from '../protocol/block'
import { InstrumentError, ProtocolError } from '../protocol/errors'
import { ConnectionUnusableError, InstrumentTimeoutError, PortClosedError } from './connection'
import {
  AcquisitionAbortedError,
  DriverInputError,
  InstrumentDriver,
  type InstrumentSettings
} from './instrument-driver'
import { ScriptedTransport, command, concatBytes, query, type ScriptStep } from './scripted-transport'

const IDN = 'DNPU-SIM,DAQ-2x1,SIM0001,1.0.0'
const NO_ERROR = query('SYST:ERR?', '0,"No error"')

/** Short timeouts: the stall tests wait for them. Ramp allowance: 3.2 V / 10 V/s = 320 ms. */
const SETTINGS: InstrumentSettings = {
  dacRateHz: 1000,
  adcRateHz: 2000,
  averaging: true,
  channelLimits: [{ minVolts: -1.2, maxVolts: 1.2 }],
  commandTimeoutMs: 100,
  acquisitionMarginMs: 100
}

/** The recorded connect exchange of a 2-activation, 1-readout instrument. */
function connectSteps(errorAnswers: string[] = ['0,"No error"']): ScriptStep[] {
  return [
    query('*IDN?', IDN),
    command('*CLS'),
    query('SOUR:CHAN:COUN?', '2'),
    query('SENS:CHAN:COUN?', '1'),
    query('SOUR:VOLT:ABS?', '-1.6,1.6'),
    query('SENS:VOLT:RANG?', '-4,4'),
    query('SOUR:FREQ:MAX?', '50000'),
    query('SENS:FREQ:MAX?', '100000'),
    query('WAV:POIN:MAX?', '65536'),
    query('SOUR:VOLT:SLEW?', '10'),
    command('SOUR:FREQ 1000'),
    command('SENS:FREQ 2000'),
    command('SENS:AVER ON'),
    command('SOUR:VOLT:LIM 0,-1.2,1.2'),
    command('SOUR:VOLT:LIM 1,-1.6,1.6'),
    ...errorAnswers.map((answer) => query('SYST:ERR?', answer))
  ]
}

/** A float32 whose little-endian bytes are 0a 0a 20 3f: a payload full of newline bytes. */
const NEWLINE_FLOAT = new DataView(Uint8Array.of(0x0a, 0x0a, 0x20, 0x3f).buffer).getFloat32(0, true)
/** 2 channels x 3 samples, first and last samples 0 V. */
const STREAM = Float32Array.from([0, 0, NEWLINE_FLOAT, -NEWLINE_FLOAT, 0, 0])
const uploadStep = (stream: Float32Array = STREAM): ScriptStep => ({
  host: concatBytes(`WAV:DATA #2${stream.length * 4}`, float32LeBytes(stream), '\n')
})

async function connected(steps: ScriptStep[], settings: InstrumentSettings = SETTINGS) {
  const transport = new ScriptedTransport([...connectSteps(), ...steps])
  const driver = await InstrumentDriver.connect(transport, settings)
  return { transport, driver }
}

/** Waits (event-loop turns, not time) until the host has written `text`. */
async function untilWritten(transport: ScriptedTransport, text: string): Promise<void> {
  for (let turn = 0; turn < 1000; turn++) {
    if (new TextDecoder('latin1').decode(transport.written).includes(text)) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error(`host never wrote ${JSON.stringify(text)}`)
}

describe('InstrumentDriver.connect', () => {
  it('identifies, reads capabilities, configures DAC before ADC, fills unset limits with the absolute limit, drains errors', async () => {
    const { transport, driver } = await connected([])
    transport.assertDone()
    expect(driver.identity).toEqual({ maker: 'DNPU-SIM', model: 'DAQ-2x1', serial: 'SIM0001', firmware: '1.0.0' })
    expect(driver.capabilities).toEqual({
      activationChannels: 2,
      readoutChannels: 1,
      absoluteLimit: { minVolts: -1.6, maxVolts: 1.6 },
      adcRange: { minVolts: -4, maxVolts: 4 },
      maxDacRateHz: 50000,
      maxAdcRateHz: 100000,
      maxPointsPerChannel: 65536,
      slewVoltsPerSecond: 10
    })
    expect(driver.configuration.channelLimits).toEqual([
      { minVolts: -1.2, maxVolts: 1.2 },
      { minVolts: -1.6, maxVolts: 1.6 }
    ])
    expect(driver.state).toBe('open')
  })

  it('fails with the queued error code and text, and closes the transport', async () => {
    const transport = new ScriptedTransport(connectSteps(['-221,"Settings conflict"', '0,"No error"']))
    const error = await InstrumentDriver.connect(transport, SETTINGS).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InstrumentError)
    expect((error as InstrumentError).code).toBe(-221)
    expect((error as Error).message).toBe(
      'instrument error -221 "Settings conflict" while configuring the instrument on connect'
    )
    expect(transport.isOpen).toBe(false)
    transport.assertDone()
  })

  it('refuses settings the instrument cannot do before configuring anything', async () => {
    const transport = new ScriptedTransport(connectSteps().slice(0, 10))
    await expect(InstrumentDriver.connect(transport, { ...SETTINGS, adcRateHz: 1500 })).rejects.toThrow(
      new DriverInputError('instrument settings: ADC rate 1500 Hz must be an integer multiple of the DAC rate 1000 Hz')
    )
    transport.assertDone()
    expect(transport.isOpen).toBe(false)
  })

  it('takes a garbage *IDN? answer as a protocol error', async () => {
    const transport = new ScriptedTransport([query('*IDN?', '\u0000\u00ff~~')])
    await expect(InstrumentDriver.connect(transport, SETTINGS)).rejects.toThrow(ProtocolError)
    expect(transport.isOpen).toBe(false)
  })
})

describe('InstrumentDriver.acquire', () => {
  it('uploads a block, runs it and reads a block whose payload holds newline bytes, delivered byte by byte', async () => {
    const readout = Float32Array.from([0, NEWLINE_FLOAT, 0])
    const { transport, driver } = await connected([
      uploadStep(),
      NO_ERROR,
      command('INIT'),
      query('*OPC?', '1'),
      { host: 'FETC?\n', reply: concatBytes('#212', float32LeBytes(readout), '\n'), bytewise: true },
      query('SYST:ERR?', '101,"ADC saturated"'),
      NO_ERROR
    ])
    const result = await driver.acquire(STREAM, 3)
    expect(result.saturated).toBe(true)
    expect(result.readingsPerChannel).toBe(3)
    expect(result.readoutVolts).toHaveLength(1)
    expect(Array.from(result.readoutVolts[0]!)).toEqual(Array.from(readout))
    transport.assertDone()
  })

  it('splits readings per readout channel and reports an unsaturated run', async () => {
    const { transport, driver } = await connected([
      uploadStep(),
      NO_ERROR,
      command('INIT'),
      query('*OPC?', '1'),
      { host: 'FETC?\n', reply: ['#212', float32LeBytes([0.5, 0.25, -0.5]), '\n'] },
      NO_ERROR
    ])
    const result = await driver.acquire(Array.from(STREAM), 3)
    expect(result.saturated).toBe(false)
    expect(Array.from(result.readoutVolts[0]!)).toEqual([0.5, 0.25, -0.5])
    transport.assertDone()
  })

  it('expects ADC/DAC readings per sample with averaging off, and rejects a block of the wrong size', async () => {
    const readout = float32LeBytes([1, 2, 3, 4, 5, 6])
    const { transport, driver } = await connected([
      command('SOUR:FREQ 1000'),
      command('SENS:FREQ 2000'),
      command('SENS:AVER OFF'),
      NO_ERROR,
      uploadStep(),
      NO_ERROR,
      command('INIT'),
      query('*OPC?', '1'),
      { host: 'FETC?\n', reply: concatBytes('#224', readout, '\n') },
      NO_ERROR,
      uploadStep(),
      NO_ERROR,
      command('INIT'),
      query('*OPC?', '1'),
      { host: 'FETC?\n', reply: concatBytes('#212', readout.subarray(0, 12), '\n') },
      NO_ERROR
    ])
    await driver.configure({ dacRateHz: 1000, adcRateHz: 2000, averaging: false })
    const result = await driver.acquire(STREAM, 3)
    expect(result.readingsPerChannel).toBe(6)
    expect(Array.from(result.readoutVolts[0]!)).toEqual([1, 2, 3, 4, 5, 6])
    await expect(driver.acquire(STREAM, 3)).rejects.toThrow(
      'FETC? returned 3 readings; expected 6 per channel x 1 readout channels = 6'
    )
    expect(driver.state).toBe('open')
    transport.assertDone()
  })

  it('stops at a rejected upload with -222 and its text, never sends INIT, and stays usable', async () => {
    const { transport, driver } = await connected([
      uploadStep(),
      query('SYST:ERR?', '-222,"Data out of range"'),
      NO_ERROR,
      query('READ?', '0.125'),
      NO_ERROR
    ])
    const error = await driver.acquire(STREAM, 3).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InstrumentError)
    expect((error as InstrumentError).code).toBe(-222)
    expect((error as Error).message).toBe('instrument error -222 "Data out of range" after the WAV:DATA upload')
    expect(driver.state).toBe('open')
    expect(await driver.readDc()).toEqual({ readoutVolts: [0.125], saturated: false })
    transport.assertDone()
  })

  it('runs the validate hook before any byte is written; a refusal sends nothing', async () => {
    const { transport, driver } = await connected([])
    const before = transport.written.length
    let seen: Float32Array | null = null
    const refusal = new Error('sample 1 of channel 0 exceeds its limit')
    await expect(
      driver.acquire(STREAM, 3, {
        validate: (stream) => {
          seen = stream
          throw refusal
        }
      })
    ).rejects.toBe(refusal)
    expect(Array.from(seen!)).toEqual(Array.from(STREAM))
    expect(transport.written.length).toBe(before)
    expect(driver.state).toBe('open')
  })

  it('refuses a stream of the wrong length by name', async () => {
    const { driver } = await connected([])
    await expect(driver.acquire(new Float32Array(5), 3)).rejects.toThrow(
      /stream holds 5 samples; 3 samples x 2 activation channels needs 6/
    )
    await expect(driver.acquire(new Float32Array(0), 0)).rejects.toThrow(
      /samples per channel must be an integer 1..65536/
    )
  })

  it('times out when the instrument stalls on *OPC?, fails the connection, and later calls reject at once', async () => {
    const { driver } = await connected([uploadStep(), NO_ERROR, command('INIT'), { host: '*OPC?\n' }])
    const error = await driver.acquire(STREAM, 3).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InstrumentTimeoutError)
    // 3 samples at 1000 Hz + 320 ms of ramps + 100 ms margin.
    expect((error as Error).message).toBe('instrument did not answer "*OPC?" within 0.423 s')
    expect(driver.state).toBe('failed')
    const later = await driver.readDc().catch((e: unknown) => e)
    expect(later).toBeInstanceOf(ConnectionUnusableError)
    expect((later as Error).message).toBe(
      'READ? not sent: the connection failed earlier: instrument did not answer "*OPC?" within 0.423 s'
    )
  })

  it('takes garbage where a block belongs as a protocol error and fails the connection', async () => {
    const { driver } = await connected([
      uploadStep(),
      NO_ERROR,
      command('INIT'),
      query('*OPC?', '1'),
      query('FETC?', 'hello')
    ])
    await expect(driver.acquire(STREAM, 3)).rejects.toThrow(
      new ProtocolError('answer to "FETC?": expected one binary block, got text "hello"')
    )
    expect(driver.state).toBe('failed')
  })

  it('fails cleanly when the port closes mid-command', async () => {
    const { driver } = await connected([
      uploadStep(),
      NO_ERROR,
      command('INIT'),
      query('*OPC?', '1'),
      { host: 'FETC?\n', reply: '#212\u0000\u0000', close: true }
    ])
    const error = await driver.acquire(STREAM, 3).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PortClosedError)
    expect((error as Error).message).toBe('scripted transport closed while waiting for the answer to "FETC?"')
    expect(driver.state).toBe('failed')
  })

  it('reports an empty FETC? block with its queued error', async () => {
    const { driver } = await connected([
      uploadStep(),
      NO_ERROR,
      command('INIT'),
      query('*OPC?', '1'),
      { host: 'FETC?\n', reply: '#10\n' },
      query('SYST:ERR?', '-222,"Data out of range"'),
      query('SYST:ERR?', '-230,"Data corrupt or stale"'),
      NO_ERROR
    ])
    await expect(driver.acquire(STREAM, 3)).rejects.toThrow(
      'instrument error -222 "Data out of range" after the acquisition; also -230 "Data corrupt or stale"'
    )
    expect(driver.state).toBe('open')
  })
})

describe('InstrumentDriver.abort and close', () => {
  it('sends ABOR while *OPC? waits; the acquisition ends as aborted and abort() confirms with *OPC?', async () => {
    const { transport, driver } = await connected([
      uploadStep(),
      NO_ERROR,
      command('INIT'),
      { host: '*OPC?\n' },
      // The instrument acts on ABOR at once, then answers the waiting *OPC?.
      { host: 'ABOR\n', reply: '1\n' },
      query('*OPC?', '1'),
      NO_ERROR
    ])
    const acquisition = driver.acquire(STREAM, 3).catch((e: unknown) => e)
    await untilWritten(transport, '*OPC?')
    await expect(driver.abort()).resolves.toEqual([])
    expect(await acquisition).toBeInstanceOf(AcquisitionAbortedError)
    expect(driver.state).toBe('open')
    transport.assertDone()
  })

  it('close() tries ABOR then closes; later calls reject at once', async () => {
    const { transport, driver } = await connected([command('ABOR'), query('*OPC?', '1'), NO_ERROR])
    await driver.close()
    transport.assertDone()
    expect(transport.isOpen).toBe(false)
    expect(driver.state).toBe('closed')
    await expect(driver.readDc()).rejects.toThrow('READ? not sent: the connection is closed')
  })

  it('close() of a failed connection still writes ABOR, best effort', async () => {
    const { transport, driver } = await connected([query('READ?', 'garbage'), command('ABOR')])
    await expect(driver.readDc()).rejects.toThrow(ProtocolError)
    await driver.close()
    transport.assertDone()
  })
})

describe('InstrumentDriver.configure', () => {
  it('sets the DAC rate before the ADC rate and remembers the new rates', async () => {
    const { transport, driver } = await connected([
      command('SOUR:FREQ 5000'),
      command('SENS:FREQ 10000'),
      command('SENS:AVER OFF'),
      NO_ERROR
    ])
    await driver.configure({ dacRateHz: 5000, adcRateHz: 10000, averaging: false })
    transport.assertDone()
    expect(driver.configuration).toMatchObject({ dacRateHz: 5000, adcRateHz: 10000, averaging: false })
  })

  it('reads the rates in force back when the instrument refuses, and throws its error', async () => {
    const { transport, driver } = await connected([
      command('SOUR:FREQ 4000'),
      command('SENS:FREQ 8000'),
      command('SENS:AVER ON'),
      query('SYST:ERR?', '-221,"Settings conflict"'),
      NO_ERROR,
      query('SOUR:FREQ?', '4000'),
      query('SENS:FREQ?', '2000'),
      query('SENS:AVER?', '1')
    ])
    await expect(driver.configure({ dacRateHz: 4000, adcRateHz: 8000, averaging: true })).rejects.toThrow(
      'instrument error -221 "Settings conflict" while configuring rates and averaging'
    )
    transport.assertDone()
    expect(driver.configuration).toMatchObject({ dacRateHz: 4000, adcRateHz: 2000, averaging: true })
  })

  it('refuses rates beyond the instrument before sending anything', async () => {
    const { transport, driver } = await connected([])
    await expect(driver.configure({ dacRateHz: 60000, adcRateHz: 60000, averaging: true })).rejects.toThrow(
      "DAC rate 60000 Hz exceeds the instrument's maximum 50000 Hz"
    )
    transport.assertDone()
  })
})

describe('InstrumentDriver manual mode', () => {
  it('sets a DC output, waits for its ramp and checks the queue', async () => {
    const { transport, driver } = await connected([command('SOUR:VOLT 1,-0.0000005'), query('*OPC?', '1'), NO_ERROR])
    await driver.setDcVoltage(1, -5e-7)
    transport.assertDone()
  })

  it('refuses a DC voltage outside the channel limit without sending it', async () => {
    const { transport, driver } = await connected([])
    await expect(driver.setDcVoltage(0, 1.3)).rejects.toThrow(
      'DC voltage 1.3 V on channel 0 is outside its limit -1.2..1.2 V'
    )
    await expect(driver.setDcVoltage(2, 0)).rejects.toThrow(/channel must be an integer 0..1/)
    transport.assertDone()
  })

  it('sets a limit and surfaces an interlock trip (102) as an error', async () => {
    const { driver } = await connected([
      command('SOUR:VOLT:LIM 1,-0.5,0.5'),
      query('SYST:ERR?', '102,"Interlock tripped"'),
      NO_ERROR
    ])
    const error = await driver.setLimits(1, -0.5, 0.5).catch((e: unknown) => e)
    expect((error as InstrumentError).code).toBe(102)
    expect((error as Error).message).toContain('102 "Interlock tripped"')
  })

  it('reads DC, flags saturation, and answers a failing READ? with the queued error', async () => {
    const { driver } = await connected([
      query('READ?', '3.9999999'),
      query('SYST:ERR?', '101,"ADC saturated"'),
      NO_ERROR,
      query('READ?', ''),
      query('SYST:ERR?', '-200,"Execution error"'),
      NO_ERROR
    ])
    expect(await driver.readDc()).toEqual({ readoutVolts: [3.9999999], saturated: true })
    await expect(driver.readDc()).rejects.toThrow('instrument error -200 "Execution error" in answer to "READ?"')
    expect(driver.state).toBe('open')
  })

  it('gives up on an error queue that never empties', async () => {
    const { driver } = await connected([
      query('READ?', '0.1'),
      ...Array.from({ length: 32 }, () => query('SYST:ERR?', '-100,"Command error"'))
    ])
    await expect(driver.readDc()).rejects.toThrow(/error queue did not empty after 32 SYST:ERR\? reads/)
    expect(driver.state).toBe('failed')
  })
})
