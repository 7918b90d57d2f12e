import { describe, expect, it } from 'vitest'
import {
  deinterleave,
  frameBlock,
  frameText,
  parseErrorEntry,
  parseFloat32Block,
  parseIdentity,
  parsePositive,
  parseVoltageRange
} from './answers'
import { float32LeBytes } from './block'
import * as commands from './commands'
import { InstrumentError, ProtocolError, errorText } from './errors'
import { formatNumber, parseBoolean, parseInteger, parseNumber, parseNumberList } from './numbers'

const text = (command: commands.Command) => new TextDecoder('latin1').decode(command.bytes)

describe('formatNumber', () => {
  it('writes plain decimals, never exponents, and round-trips exactly', () => {
    expect(formatNumber(1000)).toBe('1000')
    expect(formatNumber(-0.5)).toBe('-0.5')
    expect(formatNumber(-0)).toBe('0')
    expect(formatNumber(1e-7)).toBe('0.0000001')
    expect(formatNumber(-1.5e-9)).toBe('-0.0000000015')
    expect(formatNumber(2.5e21)).toBe('2500000000000000000000')
    for (const value of [1e-7, -3.3e-12, 0.1 + 0.2, 1.6, 123456.789, Math.fround(0.7)]) {
      const written = formatNumber(value)
      expect(written).not.toMatch(/e/i)
      expect(Number(written)).toBe(value)
    }
  })

  it('refuses NaN and infinities', () => {
    expect(() => formatNumber(NaN)).toThrow(/finite/)
    expect(() => formatNumber(Infinity)).toThrow(/finite/)
  })
})

describe('command formatting', () => {
  it('uses short forms, comma-separated parameters and a \\n terminator', () => {
    expect(text(commands.identify())).toBe('*IDN?\n')
    expect(text(commands.setVoltageLimit(2, -1.2, 0.8))).toBe('SOUR:VOLT:LIM 2,-1.2,0.8\n')
    expect(text(commands.setVoltage(0, 1e-7))).toBe('SOUR:VOLT 0,0.0000001\n')
    expect(text(commands.setAveraging(false))).toBe('SENS:AVER OFF\n')
    expect(text(commands.setDacRate(50000))).toBe('SOUR:FREQ 50000\n')
    expect(commands.fetch().isQuery).toBe(true)
    expect(commands.initiate().isQuery).toBe(false)
  })

  it('rejects a bad channel before anything is formatted', () => {
    expect(() => commands.setVoltage(-1, 0)).toThrow(/channel must be an integer >= 0, got -1/)
    expect(() => commands.voltageLimit(1.5)).toThrow(/got 1.5/)
  })

  it('uploads a waveform as one definite-length block line', () => {
    const upload = commands.uploadWaveform([0, 0.5, 0])
    const head = 'WAV:DATA #212'
    expect(new TextDecoder('latin1').decode(upload.bytes.subarray(0, head.length))).toBe(head)
    expect(upload.bytes.subarray(head.length, head.length + 12)).toEqual(float32LeBytes([0, 0.5, 0]))
    expect(upload.bytes[upload.bytes.length - 1]).toBe(0x0a)
    expect(upload.bytes.length).toBe(head.length + 12 + 1)
    expect(upload.label).toBe('WAV:DATA #212<12 bytes>')
  })
})

describe('answer parsers', () => {
  it('parses NR1/NR2/NR3 numbers and rejects anything else by name', () => {
    expect(parseNumber(' 1.5E-3 ', 'x')).toBe(0.0015)
    expect(parseNumber('-.5', 'x')).toBe(-0.5)
    expect(() => parseNumber('5 V', 'SOUR:FREQ? answer')).toThrow(
      new ProtocolError('SOUR:FREQ? answer: expected a number, got "5 V"')
    )
    expect(() => parseNumber('0x10', 'x')).toThrow(ProtocolError)
    expect(parseInteger('7', 'x')).toBe(7)
    expect(() => parseInteger('7.5', 'count')).toThrow(/count: expected an integer/)
    expect(parseNumberList('0.1,-0.25', 'READ?', 2)).toEqual([0.1, -0.25])
    expect(() => parseNumberList('0.1', 'READ? answer', 2)).toThrow(/READ\? answer: expected 2 values, got 1/)
    expect(parseBoolean('1', 'x')).toBe(true)
    expect(parseBoolean('0', 'x')).toBe(false)
    expect(() => parseBoolean('ON', 'SENS:AVER? answer')).toThrow(/expected 1 or 0/)
  })

  it('parses *IDN? into four fields', () => {
    expect(parseIdentity('DNPU-SIM,DAQ-7x1,SIM0001,1.0.0')).toEqual({
      maker: 'DNPU-SIM',
      model: 'DAQ-7x1',
      serial: 'SIM0001',
      firmware: '1.0.0'
    })
    expect(() => parseIdentity('DNPU-SIM,DAQ-7x1')).toThrow(/maker,model,serial,firmware/)
  })

  it('parses SYST:ERR? entries, with commas and doubled quotes in the message', () => {
    expect(parseErrorEntry('0,"No error"')).toEqual({ code: 0, message: 'No error' })
    expect(parseErrorEntry('-222,"Data out of range; channel 3, sample 7"')).toEqual({
      code: -222,
      message: 'Data out of range; channel 3, sample 7'
    })
    expect(parseErrorEntry('+101,"ADC ""saturated"""')).toEqual({ code: 101, message: 'ADC "saturated"' })
    expect(() => parseErrorEntry('-222 Data out of range')).toThrow(/expected code,"message"/)
  })

  it('parses ranges and positive capabilities', () => {
    expect(parseVoltageRange('-1.6,1.6', 'abs')).toEqual({ minVolts: -1.6, maxVolts: 1.6 })
    expect(() => parseVoltageRange('1.6,-1.6', 'abs')).toThrow(/min < max/)
    expect(parsePositive('65536', 'points', true)).toBe(65536)
    expect(() => parsePositive('0', 'points', true)).toThrow(/positive/)
  })

  it('tells text frames from block frames', () => {
    expect(frameText({ parts: [] }, 'a')).toBe('')
    expect(frameText({ parts: ['1'] }, 'a')).toBe('1')
    expect(() => frameText({ parts: [new Uint8Array(4)] }, 'answer to "*OPC?"')).toThrow(
      'answer to "*OPC?": expected a text line, got a block of 4 bytes'
    )
    expect(frameBlock({ parts: [new Uint8Array(0)] }, 'b')).toHaveLength(0)
    expect(() => frameBlock({ parts: ['garbage'] }, 'answer to "FETC?"')).toThrow(
      /expected one binary block, got text "garbage"/
    )
    expect(() => frameBlock({ parts: [{ skippedByteCount: 9 }] }, 'b')).toThrow(/oversize block of 9 bytes/)
  })

  it('decodes float32 blocks and splits channels', () => {
    expect(Array.from(parseFloat32Block(float32LeBytes([1, -2]), 'x'))).toEqual([1, -2])
    expect(() => parseFloat32Block(new Uint8Array(5), 'FETC? answer')).toThrow(/FETC\? answer: block of 5 bytes/)
    const [a, b] = deinterleave(Float32Array.from([1, 10, 2, 20, 3, 30]), 2)
    expect(Array.from(a!)).toEqual([1, 2, 3])
    expect(Array.from(b!)).toEqual([10, 20, 30])
  })
})

describe('errors', () => {
  it('shows instrument codes with their text, preferring the instrument message', () => {
    const error = new InstrumentError(
      [
        { code: -222, message: '' },
        { code: -200, message: 'Execution error; no upload' }
      ],
      'after the upload'
    )
    expect(error.message).toBe(
      'instrument error -222 "Data out of range" after the upload; also -200 "Execution error; no upload"'
    )
    expect(error.code).toBe(-222)
    expect(error.text).toBe('Data out of range')
    expect(errorText(101)).toBe('ADC saturated')
    expect(errorText(-999)).toBe('Unknown error')
  })
})
