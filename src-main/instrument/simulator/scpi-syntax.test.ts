import { describe, expect, it } from 'vitest'
import { lookupCommand } from './command-table'
import { ErrorQueue, formatErrorAnswer } from './error-queue'
import { parseFaultSpec } from './faults'
import { formatPlainDecimal, formatReading, parseHeader, parseNrNumber, splitChain } from './scpi-syntax'

describe('scpi syntax', () => {
  it('writes plain decimals, never exponents', () => {
    expect([1000, -1.6, 0, -0, 1.5e-7, -2.5e-10, 1e21, 123.456].map(formatPlainDecimal)).toEqual([
      '1000',
      '-1.6',
      '0',
      '0',
      '0.00000015',
      '-0.00000000025',
      '1000000000000000000000',
      '123.456'
    ])
  })

  it('rounds readings to 8 significant digits', () => {
    expect([1.234567891, -0.000123456789, 4, Math.fround(0.1)].map(formatReading)).toEqual([
      '1.2345679',
      '-0.00012345679',
      '4',
      '0.1'
    ])
  })

  it('reads NR1/NR2/NR3 and nothing else', () => {
    expect(
      ['5', '-0.5', '1.5E-3', '+.5', '2.', '1e400', '1kHz', '0x10', '', 'NaN', 'inf', '1 e3'].map(parseNrNumber)
    ).toEqual([5, -0.5, 0.0015, 0.5, 2, null, null, null, null, null, null, null])
  })

  it('matches the short and the long keyword forms in any case, and only those', () => {
    expect(
      ['SOUR:FREQ?', 'source:frequency?', 'SOURCE:FREQ?', 'SOURC:FREQ?', 'SOUR:FREQ', ':SOUR:FREQ?'].map((h) =>
        lookupCommand(parseHeader(h).header)
      )
    ).toEqual(['dacRate', 'dacRate', 'dacRate', null, 'setDacRate', 'dacRate'])
    expect(
      [
        '*idn?',
        'FETCH?',
        'fetc?',
        'INITiate',
        'ABORT',
        'MEASURE?',
        'READ?',
        'SYSTEM:ERROR?',
        'WAVEFORM:POINTS:MAXIMUM?'
      ].map((h) => lookupCommand(h))
    ).toEqual(['identify', 'fetch', 'fetch', 'initiate', 'abort', 'measure', 'read', 'nextError', 'pointsMax'])
  })

  it('splits a chain on ; outside blocks and drops empty commands', () => {
    const block = Uint8Array.of(0x3b, 0x3b, 0, 0)
    expect(splitChain({ parts: ['WAV:DATA ', block, ';INIT;;*OPC?;'] })).toEqual([
      { textBefore: 'WAV:DATA ', blocks: [block], textAfter: '' },
      { textBefore: 'INIT', blocks: [], textAfter: '' },
      { textBefore: '*OPC?', blocks: [], textAfter: '' }
    ])
    expect(splitChain({ parts: [] })).toEqual([])
  })
})

describe('error queue', () => {
  it('doubles quotes in messages and answers 0,"No error" when empty', () => {
    const queue = new ErrorQueue()
    queue.push(-113, '"FOO" is not a command')
    expect(formatErrorAnswer(queue.next())).toBe('-113,"Undefined header; ""FOO"" is not a command"')
    expect(formatErrorAnswer(queue.next())).toBe('0,"No error"')
  })

  it('after an overflow and one read, takes one new error and overflows again', () => {
    const queue = new ErrorQueue()
    for (let i = 0; i < 20; i++) queue.push(-100)
    queue.next()
    queue.push(-222)
    queue.push(-223)
    const codes = Array.from({ length: 17 }, () => queue.next().code)
    expect(codes).toEqual([...new Array(14).fill(-100), -350, -350, 0])
  })
})

describe('fault specs', () => {
  it('parses NAME-after=K and names the mistake otherwise', () => {
    expect(parseFaultSpec('stall-after=3')).toEqual({ kind: 'stall', afterAcquisitions: 3 })
    expect(() => parseFaultSpec('stall-after=-1')).toThrow('--fault must be disconnect-after=K')
  })
})
