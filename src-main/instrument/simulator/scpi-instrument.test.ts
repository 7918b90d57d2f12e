import { describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from '../../core/__fixtures__/demo-surrogate'
import { parseSurrogateJson } from '../../core/surrogate-definition'
import { SurrogateModel } from '../../core/surrogate'
import { encodeFloat32Block } from '../protocol/block'
import { createSurrogateInstrument } from './index'
import { ScpiInstrument } from './scpi-instrument'
import { ascii, concatBytes, interleave, linearDevice, TestHost, triangleStream } from './test-support'
import type { OutputsLogRecord, UploadLogRecord } from './upload-log'

function uploadLine(values: ArrayLike<number>, suffix = '\n'): Uint8Array {
  return concatBytes(ascii('WAV:DATA '), encodeFloat32Block(values), ascii(suffix))
}

/** Channel 0 goes 0, v, 0; the other six stay at 0. */
function pulse(volts: number, channels = 7): Float32Array {
  return interleave(Array.from({ length: channels }, (_, channel) => (channel === 0 ? [0, volts, 0] : [0, 0, 0])))
}

describe('common commands and capabilities', () => {
  it('answers *IDN? and every capability query with the exact bytes', async () => {
    const host = TestHost.create()
    host.send(
      '*IDN?\nSOUR:CHAN:COUN?\nSENS:CHAN:COUN?\nSOUR:VOLT:ABS?\nSENS:VOLT:RANG?\nSOUR:FREQ:MAX?\nSENS:FREQ:MAX?\nWAV:POIN:MAX?\nSOUR:VOLT:SLEW?\n'
    )
    await host.frameAnswers(9, 0)
    expect(host.receivedText).toBe('DNPU-SIM,DAQ-7x1,SIM0001,1.0.0\n7\n1\n-1.6,1.6\n-4,4\n50000\n100000\n65536\n10\n')
  })

  it('takes the model part of *IDN? from the channel counts, and capabilities from options', async () => {
    const host = TestHost.create({
      device: linearDevice(3, 2),
      capabilities: { maxPointsPerChannel: 100, slewVoltsPerSecond: 2.5 }
    })
    expect(await host.ask('*IDN?;WAV:POIN:MAX?;SOUR:VOLT:SLEW?;SENS:CHAN:COUN?\n', 4)).toEqual([
      'DNPU-SIM,DAQ-3x2,SIM0001,1.0.0',
      '100',
      '2.5',
      '2'
    ])
  })

  it('accepts \\r\\n line ends', async () => {
    expect(await TestHost.create().ask('SOUR:CHAN:COUN?\r\n')).toEqual(['7'])
  })
})

describe('every query answers exactly once', () => {
  it('a failing query answers an empty line and queues its error', async () => {
    const host = TestHost.create()
    host.send('FOO?\n*IDN? 5\nSOUR:VOLT:LIM? 9\nSOUR:VOLT?\n')
    await host.frameAnswers(4, 0)
    expect(host.receivedText).toBe('\n\n\n\n')
    expect(await host.errorCodes()).toEqual([-113, -108, -224, -109])
  })

  it('a failing FETC? or MEAS? answers the empty block #10', async () => {
    const host = TestHost.create()
    host.send('FETC?\nMEAS?\n')
    await host.frameAnswers(2, 0)
    expect(host.receivedText).toBe('#10\n#10\n')
    expect(await host.errorCodes()).toEqual([-230, -200])
  })

  it('commands that are not queries answer nothing, even when they fail', async () => {
    const host = TestHost.create()
    host.send('SOUR:FREQ 2000\nFOO\nSOUR:FREQ abc\n*IDN?\n')
    await host.frameAnswers(1, 0)
    expect(host.receivedText).toBe('DNPU-SIM,DAQ-7x1,SIM0001,1.0.0\n')
  })
})

describe('; chains, leading colon, keywords', () => {
  it('answers each query of a chain on its own line, in order; an error does not stop the line', async () => {
    const host = TestHost.create()
    expect(await host.ask('*IDN?;SOUR:FREQ 9e9;BAD?;SOUR:FREQ 2000;:SOUR:FREQ?;SENS:CHAN:COUN?\n', 4)).toEqual([
      'DNPU-SIM,DAQ-7x1,SIM0001,1.0.0',
      '',
      '2000',
      '1'
    ])
    expect(await host.errorCodes()).toEqual([-222, -113])
  })

  it('has no header-path inheritance: each command of a chain is absolute', async () => {
    const host = TestHost.create()
    expect(await host.ask('SOUR:FREQ 2000;FREQ?\n')).toEqual([''])
    expect(await host.errorCodes()).toEqual([-113])
  })

  it('accepts the exact short or long form in any case, nothing in between', async () => {
    const host = TestHost.create()
    expect(
      await host.ask(
        'source:frequency:maximum?;SoUr:FrEq?;SENSe:CHANnel:COUNt?;:system:error?;SOURC:FREQ?;SOU:FREQ?\n',
        6
      )
    ).toEqual(['50000', '1000', '1', '0,"No error"', '', ''])
    expect(await host.errorCodes()).toEqual([-113, -113])
  })

  it('gives -102 for a malformed header and still answers a malformed query', async () => {
    const host = TestHost.create()
    expect(await host.ask('SOUR::FREQ?\n')).toEqual([''])
    host.send('SOUR:FR-EQ 5\n')
    expect(await host.errorCodes()).toEqual([-102, -102])
  })
})

describe('numbers and answer formats', () => {
  it('accepts NR1, NR2 and NR3 and answers plain decimals', async () => {
    const host = TestHost.create()
    expect(
      await host.ask('SOUR:FREQ 1.5E3;SOUR:FREQ?;SOUR:FREQ +250.0;SOUR:FREQ?;SOUR:FREQ .5e1;SOUR:FREQ?\n', 3)
    ).toEqual(['1500', '250', '5'])
    expect(await host.ask('SOUR:VOLT 0,1.5E-7;SOUR:VOLT? 0;SOUR:VOLT 1,-0.5;SOUR:VOLT? 1\n', 2)).toEqual([
      '0.00000015',
      '-0.5'
    ])
  })

  it('refuses units, words and bad channels with -224; missing -109; extra -108; out of range -222', async () => {
    const host = TestHost.create()
    host.send(
      'SOUR:FREQ 1kHz\nSOUR:FREQ 1 kHz\nSOUR:FREQ\nSOUR:FREQ 1,2\nSOUR:FREQ 60000\nSOUR:FREQ 0\nSOUR:VOLT 7,0\nSOUR:VOLT 0.5,0\nSOUR:VOLT 0,\n'
    )
    expect(await host.errorCodes()).toEqual([-224, -224, -109, -108, -222, -222, -224, -224, -109])
    expect(await host.ask('SOUR:FREQ?\n')).toEqual(['1000'])
  })

  it('answers booleans as 1/0 and accepts ON/OFF/1/0 in any case', async () => {
    const host = TestHost.create()
    expect(
      await host.ask('SENS:AVER?;SENS:AVER off;SENS:AVER?;SENS:AVER 1;SENS:AVER?;SENS:AVER maybe;SENS:AVER?\n', 4)
    ).toEqual(['1', '0', '1', '1'])
    expect(await host.errorCodes()).toEqual([-224])
  })
})

describe('rates', () => {
  it('SENS:FREQ must be an integer multiple of the present DAC rate (-221, unchanged)', async () => {
    const host = TestHost.create()
    expect(
      await host.ask('SENS:FREQ 1500;SENS:FREQ?;SENS:FREQ 3000;SENS:FREQ?;SENS:FREQ 200000;SENS:FREQ?\n', 3)
    ).toEqual(['1000', '3000', '3000'])
    expect(await host.errorCodes()).toEqual([-221, -222])
  })
})

describe('power-on and *RST', () => {
  it('powers on with DAC 1000 Hz, ADC 1000 Hz, averaging ON, absolute limits, 0 V, no upload, no result', async () => {
    const host = TestHost.create()
    expect(await host.ask('SOUR:FREQ?;SENS:FREQ?;SENS:AVER?;SOUR:VOLT:LIM? 6;SOUR:VOLT? 3\n', 5)).toEqual([
      '1000',
      '1000',
      '1',
      '-1.6,1.6',
      '0'
    ])
    expect(await host.ask('INIT\nFETC?\n')).toEqual(['<block 0>'])
    expect(await host.errorCodes()).toEqual([-200, -230])
  })

  it('*RST restores the defaults, drops the upload and the result, ramps outputs to 0 and leaves the error queue alone', async () => {
    const host = TestHost.create()
    host.send(uploadLine(pulse(0.005)))
    expect(await host.ask('INIT;*OPC?\n')).toEqual(['1'])
    host.send('FOO\nSOUR:FREQ 2000;SENS:FREQ 4000;SENS:AVER OFF;SOUR:VOLT:LIM 2,-0.5,0.5;SOUR:VOLT 1,0.3\n*RST\n')
    expect(await host.ask('SOUR:FREQ?;SENS:FREQ?;SENS:AVER?;SOUR:VOLT:LIM? 2;SOUR:VOLT? 1;*OPC?\n', 6)).toEqual([
      '1000',
      '1000',
      '1',
      '-1.6,1.6',
      '0',
      '1'
    ])
    expect(await host.ask('FETC?\n')).toEqual(['<block 0>'])
    host.send('INIT\n')
    expect(await host.errorCodes()).toEqual([-113, -230, -200])
  })
})

describe('error queue', () => {
  it('keeps 16 entries; the 17th error turns the 16th into -350 and later ones are dropped until a read', async () => {
    const host = TestHost.create()
    host.send('FOO\n'.repeat(20))
    const first = await host.ask('SYST:ERR?\n')
    expect(first[0]).toMatch(/^-113,"Undefined header/)
    host.send('SOUR:FREQ 0\n')
    const rest = await host.drainErrors()
    expect(rest.map((entry) => Number(entry.split(',')[0]))).toEqual([...new Array(14).fill(-113), -350, -222])
    expect(rest[14]).toBe('-350,"Queue overflow"')
  })

  it('*CLS empties the queue', async () => {
    const host = TestHost.create()
    host.send('FOO\nBAR\n*CLS\n')
    expect(await host.ask('SYST:ERR?\n')).toEqual(['0,"No error"'])
  })
})

describe('limits', () => {
  it('SOUR:VOLT:LIM needs min <= 0 <= max (-224) inside the absolute limit (-222)', async () => {
    const host = TestHost.create()
    host.send(
      'SOUR:VOLT:LIM 0,0.1,1\nSOUR:VOLT:LIM 0,-1,-0.1\nSOUR:VOLT:LIM 0,-1.7,1\nSOUR:VOLT:LIM 0,-1,1.61\nSOUR:VOLT:LIM 7,-1,1\nSOUR:VOLT:LIM 0,-1\n'
    )
    expect(await host.errorCodes()).toEqual([-224, -224, -222, -222, -224, -109])
    expect(
      await host.ask('SOUR:VOLT:LIM 0,-0.25,1.5;SOUR:VOLT:LIM? 0;SOUR:VOLT:LIM 1,0,0;SOUR:VOLT:LIM? 1\n', 2)
    ).toEqual(['-0.25,1.5', '0,0'])
  })

  it('narrowing a limit below a present output trips the interlock: 102, every output ramped to 0 V', async () => {
    const host = TestHost.create()
    host.send('SOUR:VOLT 2,0.8;SOUR:VOLT 4,-0.3\nSOUR:VOLT:LIM 4,-1,1\n')
    expect(await host.ask('SOUR:VOLT? 2\n')).toEqual(['0.8'])
    expect(await host.errorCodes()).toEqual([])
    host.send('SOUR:VOLT:LIM 2,-0.5,0.5\n')
    expect(await host.ask('SOUR:VOLT? 2;SOUR:VOLT? 4;SOUR:VOLT:LIM? 2;*OPC?\n', 4)).toEqual(['0', '0', '-0.5,0.5', '1'])
    const errors = await host.drainErrors()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^102,"Interlock tripped; channel 2/)
  })

  it('SOUR:VOLT outside the channel limit is refused (-222) and the setpoint kept', async () => {
    const host = TestHost.create()
    host.send('SOUR:VOLT:LIM 0,-0.5,0.5\nSOUR:VOLT 0,0.4\nSOUR:VOLT 0,0.6\n')
    expect(await host.ask('SOUR:VOLT? 0\n')).toEqual(['0.4'])
    expect(await host.errorCodes()).toEqual([-222])
  })
})

describe('uploads', () => {
  it('accepts a valid stream, plays it and returns one averaged reading per DAC sample', async () => {
    const host = TestHost.create()
    const stream = triangleStream(0.05, 0.01)
    host.send(uploadLine(stream))
    host.send('INIT;*OPC?\n')
    expect(await host.ask('', 0)).toEqual([])
    await host.frameAnswers(1, 0)
    const readings = await host.askBlock('FETC?\n')
    // The linear device reads the sum of the activation volts (only channel 0 moves).
    expect(Array.from(readings)).toEqual(
      Array.from({ length: stream.length / 7 }, (_, i) => Math.fround(Math.fround(stream[i * 7]! * 10) / 10))
    )
    expect(await host.errorCodes()).toEqual([])
  })

  it('checks framing first: bad header, L = 0, L not a multiple of 4N, bytes after the block (-160)', async () => {
    const host = TestHost.create()
    const sevenSamples = new Float32Array(7)
    host.send('WAV:DATA #0abc\n')
    host.send('WAV:DATA #10\n')
    host.send(concatBytes(ascii('WAV:DATA '), encodeFloat32Block([0, 0, 0]), ascii('\n')))
    host.send(concatBytes(ascii('WAV:DATA '), encodeFloat32Block(sevenSamples), ascii('junk\n')))
    host.send(concatBytes(ascii('WAV:DATA 3,'), encodeFloat32Block(sevenSamples), ascii('\n')))
    host.send(
      concatBytes(ascii('WAV:DATA '), encodeFloat32Block(sevenSamples), encodeFloat32Block(sevenSamples), ascii('\n'))
    )
    host.send('WAV:DATA\n')
    expect(await host.errorCodes()).toEqual([-160, -160, -160, -160, -160, -160, -109])
  })

  it('accepts the block in a chain and a ; inside the payload', async () => {
    const host = TestHost.create()
    // Sample 1 of channel 1 is the tiny float32 whose first byte is ";" (0x3B).
    const withSemicolonByte = new Float32Array(21)
    new DataView(withSemicolonByte.buffer).setUint32(4 * 8, 0x0000003b, true)
    host.send(concatBytes(ascii('WAV:DATA '), encodeFloat32Block(withSemicolonByte), ascii(';INIT;*OPC?\n')))
    expect(await host.ask('', 0)).toEqual([])
    await host.frameAnswers(1, 0)
    expect(host.receivedText).toBe('1\n')
    expect(await host.errorCodes()).toEqual([])
  })

  it('checks size (-223) after framing and before busy', async () => {
    const host = TestHost.create({ capabilities: { maxPointsPerChannel: 4 } })
    host.send(uploadLine(interleave(Array.from({ length: 7 }, () => [0, 0, 0, 0, 0]))))
    // Too large and not a multiple of 4N: framing wins.
    host.send(concatBytes(ascii('WAV:DATA '), encodeFloat32Block(new Float32Array(36)), ascii('\n')))
    expect(await host.errorCodes()).toEqual([-223, -160])
  })

  it('checks busy (-221) after size and before content', async () => {
    const host = TestHost.create({ speed: 1e-6, capabilities: { maxPointsPerChannel: 4 } })
    host.send(uploadLine(pulse(0.005)))
    host.send('INIT\n')
    host.send(uploadLine(pulse(5)))
    host.send(uploadLine(interleave(Array.from({ length: 7 }, () => [0, 0, 0, 0, 0]))))
    expect(await host.errorCodes()).toEqual([-221, -223])
    host.send('ABOR\n')
  })

  it('checks content (-222): first/last sample exactly 0, inside the limit, steps at most slew/DAC-rate + 1 uV', async () => {
    const host = TestHost.create()
    const zeros = () => Array.from({ length: 7 }, () => [0, 0, 0, 0])
    const withChannel = (channel: number, values: number[]) =>
      interleave(zeros().map((z, c) => (c === channel ? values : z)))
    host.send(uploadLine(withChannel(3, [0.001, 0, 0, 0])))
    host.send(uploadLine(withChannel(3, [0, 0, 0, -0.001])))
    host.send(uploadLine(withChannel(3, [0, 0.0101, 0.0101, 0])))
    host.send(uploadLine(withChannel(3, [0, Number.NaN, 0, 0])))
    host.send(uploadLine(withChannel(3, [0, Number.POSITIVE_INFINITY, 0, 0])))
    expect(await host.errorCodes()).toEqual([-222, -222, -222, -222, -222])
    // -0.0 counts as 0, and a step of exactly slew/rate (10 mV at 1 kHz) + float32 rounding passes.
    host.send(uploadLine(withChannel(3, [-0, 0.01, 0.01, -0])))
    expect(await host.ask('INIT;*OPC?\n')).toEqual(['1'])
    expect(await host.errorCodes()).toEqual([])
  })

  it('compares samples with the limits rounded to float32', async () => {
    const host = TestHost.create({ capabilities: { slewVoltsPerSecond: 1e6 } })
    // 0.3 is not a float32: the sample Math.fround(0.3) lies above 0.3 but equals the rounded limit.
    expect(Math.fround(0.3)).toBeGreaterThan(0.3)
    host.send('SOUR:VOLT:LIM 0,-0.3,0.3\n')
    host.send(uploadLine(pulse(0.3)))
    expect(await host.ask('INIT;*OPC?\n')).toEqual(['1'])
    host.send(uploadLine(pulse(0.30001)))
    expect(await host.errorCodes()).toEqual([-222])
  })

  it('a rejected upload discards the previous one', async () => {
    const host = TestHost.create()
    host.send(uploadLine(pulse(0.005)))
    host.send(uploadLine(pulse(1)))
    host.send('INIT\n')
    expect(await host.errorCodes()).toEqual([-222, -200])
  })

  it('drops a block that stops arriving for the stall time (-160), and the upload before it', async () => {
    const host = TestHost.create({ blockStallTimeoutMs: 30 })
    host.send(uploadLine(pulse(0.005)))
    const line = uploadLine(pulse(0.005))
    host.send(line.subarray(0, 20))
    await new Promise((resolve) => setTimeout(resolve, 100))
    host.send('INIT\n')
    expect(await host.errorCodes()).toEqual([-160, -200])
  })

  it('answers -363 for a text line over 64 KiB and carries on', async () => {
    const host = TestHost.create()
    host.send(`SOUR:FREQ ${'1'.repeat(70_000)}\n`)
    expect(await host.ask('*IDN?\n')).toEqual(['DNPU-SIM,DAQ-7x1,SIM0001,1.0.0'])
    expect(await host.errorCodes()).toEqual([-363])
  })
})

describe('INIT', () => {
  it('without an upload: -200', async () => {
    const host = TestHost.create()
    host.send('INIT\n')
    expect(await host.errorCodes()).toEqual([-200])
  })

  it('re-checks the stream against the present limits (-222) and rates (-221) and discards it', async () => {
    const host = TestHost.create()
    host.send(uploadLine(pulse(0.008)))
    host.send('SOUR:VOLT:LIM 0,-0.005,0.005\nINIT\nINIT\n')
    expect(await host.errorCodes()).toEqual([-222, -200])

    host.send('SOUR:VOLT:LIM 0,-1,1\n')
    host.send(uploadLine(pulse(0.008)))
    // 10 V/s at 2 kHz allows 5 mV steps: the 8 mV pulse no longer passes.
    host.send('SOUR:FREQ 2000;SENS:FREQ 2000\nINIT\nINIT\n')
    expect(await host.errorCodes()).toEqual([-222, -200])

    host.send('SOUR:FREQ 1000\nSENS:FREQ 3000\n')
    host.send(uploadLine(pulse(0.008)))
    host.send('SOUR:FREQ 2000\nINIT\nINIT\n')
    expect(await host.errorCodes()).toEqual([-221, -200])
  })

  it('refuses configuration, uploads and SOUR:VOLT during playback (-221) and a second INIT (-213)', async () => {
    const host = TestHost.create({ speed: 1e-6 })
    host.send(uploadLine(pulse(0.005)))
    host.send('INIT\nSOUR:FREQ 2000\nSENS:FREQ 2000\nSENS:AVER OFF\nSOUR:VOLT:LIM 0,-1,1\nSOUR:VOLT 0,0.1\nINIT\n')
    host.send(uploadLine(pulse(0.005)))
    expect(await host.ask('SOUR:FREQ?;READ?;FETC?\n', 3)).toEqual(['1000', '0', '<block 0>'])
    expect(await host.errorCodes()).toEqual([-221, -221, -221, -221, -221, -213, -221, -230])
    host.send('ABOR\n')
  })

  it('ramps non-zero DC outputs to 0 V before playback', async () => {
    const host = TestHost.create({ speed: 1000 })
    host.send('SOUR:VOLT 0,1.2;SOUR:VOLT 5,-1\n')
    host.send(uploadLine(pulse(0.005)))
    expect(await host.ask('INIT;SOUR:VOLT? 0;SOUR:VOLT? 5;*OPC?\n', 3)).toEqual(['0', '0', '1'])
  })
})

describe('*OPC? and ABOR', () => {
  it('*OPC? waits for real-time playback, then FETC? has the result', async () => {
    const host = TestHost.create({ speed: 50 })
    host.send(uploadLine(triangleStream(0.5, 0.01)))
    expect(await host.ask('INIT;*OPC?\n')).toEqual(['1'])
    expect((await host.askBlock('FETC?\n')).length).toBe(101)
  })

  it('*OPC? waits for SOUR:VOLT ramps', async () => {
    const host = TestHost.create({ speed: 100 })
    expect(await host.ask('SOUR:VOLT 0,1.5;*OPC?;READ?\n', 2)).toEqual(['1', '1.5'])
  })

  it('an ABOR line arriving during *OPC? acts at once, then *OPC? answers 1 and FETC? has nothing', async () => {
    // At this speed playback would last about 30 years: only the early ABOR can end the wait.
    const host = TestHost.create({ speed: 1e-9 })
    host.send(uploadLine(pulse(0.005)))
    host.send('INIT;*OPC?\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(host.frames).toHaveLength(0)
    host.send('ABOR\n')
    expect(await host.ask('FETC?\n', 2)).toEqual(['1', '<block 0>'])
    expect(await host.errorCodes()).toEqual([-230])
  })

  it('an ABOR during MEAS? ends it with #10 and -230', async () => {
    const host = TestHost.create({ speed: 1e-9 })
    host.send(uploadLine(pulse(0.005)))
    host.send('MEAS?\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    host.send('ABOR\n')
    expect(await host.frameAnswers(1, 0)).toEqual([{ parts: [new Uint8Array(0)] }])
    expect(await host.errorCodes()).toEqual([-230])
  })
})

describe('FETC? and MEAS?', () => {
  it('FETC? repeats; INIT, ABOR and *RST make it unavailable (-230)', async () => {
    const host = TestHost.create()
    host.send(uploadLine(pulse(0.005)))
    for (const invalidate of ['INIT', 'ABOR', '*RST']) {
      expect(await host.ask('INIT;*OPC?\n')).toEqual(['1'])
      const first = await host.askBlock('FETC?\n')
      expect(Array.from(await host.askBlock('FETC?\n'))).toEqual(Array.from(first))
      expect(first).toHaveLength(3)
      if (invalidate === 'INIT') {
        // INIT of a stream that fails its re-check still drops the previous result.
        host.send('SOUR:VOLT:LIM 0,-0.001,0.001\nINIT\n')
        expect(await host.askBlock('FETC?\n')).toHaveLength(0)
        expect(await host.errorCodes()).toEqual([-222, -230])
        host.send('SOUR:VOLT:LIM 0,-1,1\n')
        host.send(uploadLine(pulse(0.005)))
        continue
      }
      host.send(`${invalidate}\n`)
      expect(await host.askBlock('FETC?\n')).toHaveLength(0)
      expect(await host.errorCodes()).toEqual([-230])
      if (invalidate === '*RST') break
    }
  })

  it('MEAS? = INIT, wait, FETC?', async () => {
    const host = TestHost.create({ speed: 100 })
    host.send(uploadLine(pulse(0.004)))
    expect(Array.from(await host.askBlock('MEAS?\n'))).toEqual([
      0,
      Math.fround(Math.fround(Math.fround(0.004) * 10) / 10),
      0
    ])
  })

  it('with averaging OFF returns DAC samples x ADC/DAC ratio readings, each with its own noise', async () => {
    const host = TestHost.create({ noiseStdNanoamps: 0.5 })
    host.send('SENS:FREQ 3000;SENS:AVER OFF\n')
    host.send(uploadLine(pulse(0.005)))
    const readings = await host.askBlock('MEAS?\n')
    expect(readings).toHaveLength(9)
    expect(new Set(Array.from(readings)).size).toBe(9)
    host.send('SENS:AVER ON\n')
    expect(await host.askBlock('MEAS?\n')).toHaveLength(3)
  })

  it('interleaves several readout channels', async () => {
    const host = TestHost.create({ device: linearDevice(2, 2) })
    host.send(
      uploadLine(
        interleave([
          [0, 0.005, 0],
          [0, 0.001, 0]
        ])
      )
    )
    const readings = Array.from(await host.askBlock('MEAS?\n'))
    expect(readings).toHaveLength(6)
    expect(readings[2]).toBeCloseTo(0.006, 6)
    expect(readings[3]).toBeCloseTo(0.012, 6)
  })
})

describe('the device model', () => {
  it('saturates at the ADC range edges and queues 101 once per acquisition, at its end', async () => {
    // 10 nA/V device read through a 0.01 nA/V amplifier: 0.005 V in -> 5 V, beyond the 4 V edge.
    const host = TestHost.create({ amplificationNanoampsPerVolt: 0.01, speed: 1000 })
    host.send(uploadLine(triangleStream(0.05, 0.005)))
    host.send('INIT\n')
    expect(await host.ask('SYST:ERR?\n')).toEqual(['0,"No error"'])
    expect(await host.ask('*OPC?\n')).toEqual(['1'])
    const block = await host.askBlock('FETC?\n')
    expect(Math.max(...block)).toBe(4)
    expect(await host.errorCodes()).toEqual([101])
  })

  it('READ? answers the DC reading at the present setpoints, 8 significant digits, and may queue 101', async () => {
    const host = TestHost.create({ device: linearDevice(2, 2), amplificationNanoampsPerVolt: 3 })
    expect(await host.ask('SOUR:VOLT 0,0.1;SOUR:VOLT 1,0.2;READ?\n')).toEqual(['1,2'])
    const [precise] = await host.ask('SOUR:VOLT 1,0.0123456789;READ?\n')
    const readings = precise!.split(',')
    readings.forEach((reading) => expect(reading.replace(/^0\.0*|\./g, '').length).toBeLessThanOrEqual(8))
    expect(Number(readings[0])).toBeCloseTo((10 * 0.1123456789) / 3, 6)
    expect(Number(readings[1])).toBeCloseTo((20 * 0.1123456789) / 3, 6)
    expect(await host.ask('SOUR:VOLT 0,1.6;SOUR:VOLT 1,1.6;READ?\n')).toEqual(['4,4'])
    expect(await host.errorCodes()).toEqual([101])
  })

  it('negates readings for an inverting amplifier', async () => {
    const host = TestHost.create({ inverted: true })
    expect(await host.ask('SOUR:VOLT 0,0.25;READ?\n')).toEqual(['-0.25'])
  })

  it('draws seeded noise: the same seed repeats, another seed differs', async () => {
    const run = async (seed: number) => {
      const host = TestHost.create({ noiseStdNanoamps: 1, seed })
      host.send(uploadLine(triangleStream(0.05, 0.01)))
      return Array.from(await host.askBlock('MEAS?\n'))
    }
    const [a, b, c] = [await run(7), await run(7), await run(8)]
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
  })

  it('evaluates all samples of an acquisition in one device call', async () => {
    const device = linearDevice()
    const host = TestHost.create({ device })
    host.send(uploadLine(triangleStream(0.5, 0.01)))
    await host.askBlock('MEAS?\n')
    expect(device.calls).toBe(1)
  })

  it('plays the demo surrogate: readings = raw MLP x amplification (unclipped) / amplification', async () => {
    const definition = parseSurrogateJson(DEMO_SURROGATE_JSON)
    const instrument = createSurrogateInstrument(definition, { speed: Infinity })
    const host = new TestHost(instrument)
    expect(await host.ask('*IDN?\n')).toEqual(['DNPU-SIM,DAQ-7x1,SIM0001,1.0.0'])
    const stream = triangleStream(0.5, 0.01)
    host.send(uploadLine(stream))
    const readings = await host.askBlock('MEAS?\n')
    const model = new SurrogateModel(definition)
    const expected = await model.forwardUnclippedNanoamps(stream, stream.length / 7)
    model.dispose()
    expect(readings).toHaveLength(expected.length)
    readings.forEach((volts, i) => expect(volts).toBeCloseTo(expected[i]! / definition.amplification[0]!, 5))
    instrument.close()
  })
})

describe('faults and latency', () => {
  it('disconnect-after=1: the second INIT drops the host; state survives for the next one', async () => {
    const host = TestHost.create({ faults: [{ kind: 'disconnect', afterAcquisitions: 1 }] })
    host.send(uploadLine(pulse(0.005)))
    expect((await host.askBlock('MEAS?\n')).length).toBe(3)
    host.send('INIT;*OPC?\n*IDN?\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(host.disconnects).toBe(1)
    expect(host.frames).toHaveLength(1)
    const again = new TestHost(host.instrument)
    expect(await again.ask('SOUR:FREQ 500;SOUR:FREQ?\n')).toEqual(['500'])
    expect((await again.askBlock('MEAS?\n')).length).toBe(3)
    expect(again.disconnects).toBe(0)
  })

  it('stall-after=0: nothing is answered from the first INIT on', async () => {
    const host = TestHost.create({ faults: [{ kind: 'stall', afterAcquisitions: 0 }] })
    expect(await host.ask('*IDN?\n')).toHaveLength(1)
    host.send(uploadLine(pulse(0.005)))
    host.send('INIT;*OPC?\n*IDN?\n')
    await host.instrument.settled()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(host.frames).toHaveLength(1)
  })

  it('garbage-after=1: answers become non-protocol bytes from the second acquisition on', async () => {
    const host = TestHost.create({ faults: [{ kind: 'garbage', afterAcquisitions: 1 }] })
    host.send(uploadLine(pulse(0.005)))
    expect(await host.ask('INIT;*OPC?\n')).toEqual(['1'])
    const before = host.received.length
    host.send('INIT;*OPC?\n*IDN?\n')
    await host.frameAnswers(2, 1)
    const garbage = Buffer.concat(host.received.slice(before))
    expect(garbage.length).toBeGreaterThan(0)
    expect([...garbage].filter((byte) => byte !== 0x0a).every((byte) => byte >= 0x80)).toBe(true)
  })

  it('latency delays answers but keeps their order', async () => {
    const host = TestHost.create({ latencyMs: 300 })
    host.send('*IDN?;SOUR:CHAN:COUN?\n')
    await host.instrument.settled()
    expect(host.frames).toHaveLength(0)
    expect(await host.ask('SENS:CHAN:COUN?\n', 3)).toEqual(['DNPU-SIM,DAQ-7x1,SIM0001,1.0.0', '7', '1'])
  })

  it("attaching a new host drops the old host's unanswered queries", async () => {
    const instrument = new ScpiInstrument({ device: linearDevice(), speed: 1e-9 })
    const first = new TestHost(instrument)
    first.send(uploadLine(pulse(0.005)))
    first.send('INIT;*OPC?\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    const second = new TestHost(instrument)
    expect(await second.ask('*IDN?\n')).toEqual(['DNPU-SIM,DAQ-7x1,SIM0001,1.0.0'])
    expect(await second.ask('ABOR;*OPC?\n')).toEqual(['1'])
    expect(first.frames).toHaveLength(0)
    instrument.close()
  })
})

describe('upload log', () => {
  it('records accepted and rejected uploads and INIT re-check rejections with what CI needs', async () => {
    const records: UploadLogRecord[] = []
    const host = TestHost.create({ onUpload: (record) => records.push(record) })
    host.send(uploadLine(pulse(0.008)))
    host.send(uploadLine(pulse(2)))
    host.send('WAV:DATA #10\n')
    host.send(uploadLine(pulse(0.008)))
    host.send('SOUR:VOLT:LIM 0,-0.005,0.005\nINIT\n')
    await host.instrument.settled()
    expect(records.map((r) => [r.outcome, r.stage, r.error?.code ?? null])).toEqual([
      ['accepted', 'upload', null],
      ['rejected', 'upload', -222],
      ['rejected', 'upload', -160],
      ['accepted', 'upload', null],
      ['rejected', 'init', -222]
    ])
    expect(records[0]).toMatchObject({
      channelCount: 7,
      samplesPerChannel: 3,
      byteCount: 84,
      firstVolts: [0, 0, 0, 0, 0, 0, 0],
      lastVolts: [0, 0, 0, 0, 0, 0, 0],
      minVolts: [0, 0, 0, 0, 0, 0, 0],
      limitsVolts: new Array(7).fill([-1.6, 1.6]),
      dacRateHz: 1000,
      slewVoltsPerSecond: 10,
      allowedStepVolts: 0.01
    })
    expect(records[0]!.maxVolts![0]).toBe(Math.fround(0.008))
    expect(records[0]!.maxStepVolts![0]).toBe(Math.fround(0.008))
    expect(records[1]!.error!.message).toMatch(/^Data out of range; channel 0 sample 1/)
    expect(records[2]).toMatchObject({ samplesPerChannel: null, minVolts: null, byteCount: 0 })
    expect(records[4]!.limitsVolts[0]).toEqual([-0.005, 0.005])
    expect(Date.parse(records[4]!.time)).not.toBeNaN()
  })
})

describe('outputs log', () => {
  it('records where ABOR, *RST, an interlock trip and SOUR:VOLT left every output', async () => {
    const records: OutputsLogRecord[] = []
    const host = TestHost.create({ onOutputs: (record) => records.push(record) })
    host.send('SOUR:VOLT 0,0.5\nABOR\nSOUR:VOLT 1,-0.25\nSOUR:VOLT:LIM 1,-0.1,0.1\nSOUR:VOLT 2,0.125\n*RST\n')
    await host.instrument.settled()
    const zeros = [0, 0, 0, 0, 0, 0, 0]
    const only = (channel: number, volts: number) => zeros.map((zero, c) => (c === channel ? volts : zero))
    expect(
      records.map(({ event, fromVolts, toVolts, playbackStopped, settleMs }) => ({
        event,
        fromVolts,
        toVolts,
        playbackStopped,
        settleMs
      }))
    ).toEqual([
      { event: 'set-voltage', fromVolts: zeros, toVolts: only(0, 0.5), playbackStopped: false, settleMs: 0 },
      { event: 'abort', fromVolts: only(0, 0.5), toVolts: zeros, playbackStopped: false, settleMs: 0 },
      { event: 'set-voltage', fromVolts: zeros, toVolts: only(1, -0.25), playbackStopped: false, settleMs: 0 },
      { event: 'interlock', fromVolts: only(1, -0.25), toVolts: zeros, playbackStopped: false, settleMs: 0 },
      { event: 'set-voltage', fromVolts: zeros, toVolts: only(2, 0.125), playbackStopped: false, settleMs: 0 },
      { event: 'reset', fromVolts: only(2, 0.125), toVolts: zeros, playbackStopped: false, settleMs: 0 }
    ])
    expect(records.every((record) => record.kind === 'outputs' && !Number.isNaN(Date.parse(record.time)))).toBe(true)
  })

  it('says when ABOR stopped a playback, and how long the ramps to 0 V take in real time', async () => {
    const records: OutputsLogRecord[] = []
    // A quarter of real time: a 1 V DC output takes 400 ms to ramp at 10 V/s, so the ABOR that
    // follows INIT in the same line queue (microseconds later) finds it still on its way to 0 V.
    const host = TestHost.create({ speed: 0.25, onOutputs: (record) => records.push(record) })
    host.send('SOUR:VOLT 3,1\n*OPC?\n')
    await host.frameAnswers(1)
    host.send(uploadLine(pulse(0.008)))
    host.send('INIT\nABOR\n')
    await host.instrument.settled()
    host.instrument.close()
    expect(records.map((record) => [record.event, record.playbackStopped])).toEqual([
      ['set-voltage', false],
      ['abort', true]
    ])
    // INIT ramps the DC output to 0 V before playback: ABOR finds it on that ramp.
    expect(records[1]!.fromVolts[3]).toBeGreaterThan(0)
    expect(records[1]!.fromVolts[3]).toBeLessThanOrEqual(1)
    expect(records[1]!.toVolts).toEqual([0, 0, 0, 0, 0, 0, 0])
    expect(records[1]!.settleMs).toBeGreaterThan(0)
  })

  it('logs an ABOR that acted at once during a wait once, not again when its line runs in turn', async () => {
    const records: OutputsLogRecord[] = []
    // A thousandth of real time: the playback would outlast the test by far.
    const host = TestHost.create({ speed: 0.001, onOutputs: (record) => records.push(record) })
    host.send(uploadLine(pulse(0.008)))
    host.send('INIT\n*OPC?\n')
    // The lines run in microtasks: by the next turn of the event loop *OPC? is waiting.
    await new Promise((resolve) => setImmediate(resolve))
    expect(await host.ask('ABOR\n')).toEqual(['1'])
    await host.instrument.settled()
    host.instrument.close()
    expect(records.map((record) => [record.event, record.playbackStopped])).toEqual([['abort', true]])
  })
})

describe('close', () => {
  it('frees the device and ignores later input', async () => {
    const device = linearDevice()
    const instrument = new ScpiInstrument({ device })
    const host = new TestHost(instrument)
    instrument.close()
    host.send('*IDN?\n')
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(host.frames).toHaveLength(0)
    expect(device.disposed).toBe(true)
  })
})
