import { describe, expect, it } from 'vitest'
import { concatBytes, encodeFloat32Block, float32LeValues } from './block'
import { FrameReader, type FrameEvent } from './frame-reader'

const ascii = (text: string) => new TextEncoder().encode(text)

/** Feeds `bytes` one byte at a time, the worst case a serial port can deliver. */
function feedBytewise(reader: FrameReader, bytes: Uint8Array): FrameEvent[] {
  const events: FrameEvent[] = []
  for (const byte of bytes) events.push(...reader.push(Uint8Array.of(byte)))
  return events
}

describe('FrameReader', () => {
  it('splits text lines on \\n and drops a \\r before it', () => {
    const events = new FrameReader().push(ascii('*IDN?\r\nSYST:ERR?\n'))
    expect(events).toEqual([
      { kind: 'frame', frame: { parts: ['*IDN?'] } },
      { kind: 'frame', frame: { parts: ['SYST:ERR?'] } }
    ])
  })

  it('reads a block by its length even when the payload holds newline bytes', () => {
    const values = [0, 1.5, -0.25, 0]
    const block = encodeFloat32Block(values)
    const payloadWithNewline = concatBytes(ascii('#14'), Uint8Array.of(0x0a, 0x0a, 0x0d, 0x0a))
    const line = concatBytes(ascii('WAV:DATA '), block, ascii(';INIT\n'), payloadWithNewline, ascii('\n'))
    for (const events of [new FrameReader().push(line), feedBytewise(new FrameReader(), line)]) {
      expect(events).toHaveLength(2)
      const [first, second] = events as Array<Extract<FrameEvent, { kind: 'frame' }>>
      expect(first!.frame.parts[0]).toBe('WAV:DATA ')
      expect(Array.from(float32LeValues(first!.frame.parts[1] as Uint8Array))).toEqual(values)
      expect(first!.frame.parts[2]).toBe(';INIT')
      expect(second!.frame.parts).toEqual([Uint8Array.of(0x0a, 0x0a, 0x0d, 0x0a)])
    }
  })

  it('reads the empty block #10', () => {
    expect(new FrameReader().push(ascii('#10\n'))).toEqual([{ kind: 'frame', frame: { parts: [new Uint8Array(0)] } }])
  })

  it('keeps a # that starts no block as text', () => {
    const events = new FrameReader().push(ascii('A#B\nWAV:DATA #0\nX#\n'))
    expect(events.map((e) => e.kind === 'frame' && e.frame.parts)).toEqual([['A#B'], ['WAV:DATA #0'], ['X#']])
  })

  it('reports a line over the limit once and resynchronises at the next newline', () => {
    const reader = new FrameReader({ maxLineBytes: 8 })
    const events = reader.push(ascii('0123456789abcdef\n*OPC?\n'))
    expect(events).toEqual([
      { kind: 'overrun', lineBytes: 9 },
      { kind: 'frame', frame: { parts: ['*OPC?'] } }
    ])
  })

  it('skips an oversize block without storing it', () => {
    const reader = new FrameReader({ maxBlockBytes: 4 })
    const events = reader.push(concatBytes(ascii('WAV:DATA #18'), new Uint8Array(8), ascii('\n')))
    expect(events).toEqual([{ kind: 'frame', frame: { parts: ['WAV:DATA ', { skippedByteCount: 8 }] } }])
  })

  it('says when a block is half-arrived, and reset() forgets it', () => {
    const reader = new FrameReader()
    reader.push(ascii('WAV:DATA #216ab'))
    expect(reader.inBlock).toBe(true)
    reader.reset()
    expect(reader.inBlock).toBe(false)
    expect(reader.push(ascii('*OPC?\n'))).toEqual([{ kind: 'frame', frame: { parts: ['*OPC?'] } }])
  })
})
