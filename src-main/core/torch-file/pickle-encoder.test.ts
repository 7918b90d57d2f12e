import { describe, expect, it } from 'vitest'
import { PickleEncoder, encodeLong } from './pickle-encoder.js'
import { OP } from './pickle-opcodes.js'
import { unpickle } from './unpickler.js'
import { DATA_ONLY_HOOKS } from './torch-globals.js'
import { pickleToJson } from './pickle-to-json.js'
import { PyTuple } from './pickle-values.js'

/** The opcodes and arguments between PROTO 2 and STOP. */
function body(encoder: PickleEncoder): number[] {
  const bytes = [...encoder.finish()]
  expect(bytes.slice(0, 2)).toEqual([OP.PROTO, 2])
  expect(bytes.at(-1)).toBe(OP.STOP)
  return bytes.slice(2, -1)
}

function readBack(encoder: PickleEncoder): unknown {
  return pickleToJson(unpickle(encoder.finish(), 0, 'test.pkl', DATA_ONLY_HOOKS).value, 'value')
}

describe('PickleEncoder: the opcodes CPython picks at protocol 2', () => {
  it.each([
    [0, [OP.BININT1, 0]],
    [255, [OP.BININT1, 255]],
    [256, [OP.BININT2, 0x00, 0x01]],
    [65535, [OP.BININT2, 0xff, 0xff]],
    [65536, [OP.BININT, 0x00, 0x00, 0x01, 0x00]],
    [-1, [OP.BININT, 0xff, 0xff, 0xff, 0xff]],
    [2 ** 31 - 1, [OP.BININT, 0xff, 0xff, 0xff, 0x7f]],
    [-(2 ** 31), [OP.BININT, 0x00, 0x00, 0x00, 0x80]],
    [2 ** 31, [OP.LONG1, 5, 0x00, 0x00, 0x00, 0x80, 0x00]],
    [-(2 ** 31) - 1, [OP.LONG1, 5, 0xff, 0xff, 0xff, 0x7f, 0xff]]
  ])('int %d', (value, expected) => {
    expect(body(new PickleEncoder().int(value))).toEqual(expected)
  })

  it('encodes longs as short as Python does', () => {
    expect([...encodeLong(0n)]).toEqual([])
    expect([...encodeLong(127n)]).toEqual([0x7f])
    expect([...encodeLong(128n)]).toEqual([0x80, 0x00])
    expect([...encodeLong(-128n)]).toEqual([0x80])
    expect([...encodeLong(-129n)]).toEqual([0x7f, 0xff])
    expect([...encodeLong(2n ** 70n)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0x40])
  })

  it('refuses a number that is not an exact integer', () => {
    expect(() => new PickleEncoder().int(0.5)).toThrow(/not an integer/)
    expect(() => new PickleEncoder().int(2 ** 60)).toThrow(/not an integer/)
  })

  it('writes floats as big-endian BINFLOAT, strings as BINUNICODE (UTF-8)', () => {
    expect(body(new PickleEncoder().float(1.5))).toEqual([OP.BINFLOAT, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0])
    expect(body(new PickleEncoder().string('hé'))).toEqual([OP.BINUNICODE, 3, 0, 0, 0, 0x68, 0xc3, 0xa9])
  })

  it('writes None and bools', () => {
    expect(body(new PickleEncoder().none().bool(true).bool(false))).toEqual([OP.NONE, OP.NEWTRUE, OP.NEWFALSE])
  })

  it('appends one item with APPEND and several between MARK and APPENDS', () => {
    const int = (encoder: PickleEncoder) => (value: number) => void encoder.int(value)
    const one = new PickleEncoder()
    expect(body(one.list([7], int(one)))).toEqual([OP.EMPTY_LIST, OP.BININT1, 7, OP.APPEND])
    const two = new PickleEncoder()
    expect(body(two.list([7, 8], int(two)))).toEqual([OP.EMPTY_LIST, OP.MARK, OP.BININT1, 7, OP.BININT1, 8, OP.APPENDS])
    const empty = new PickleEncoder()
    expect(body(empty.list([], int(empty)))).toEqual([OP.EMPTY_LIST])
  })

  it('sets dict items with SETITEM / SETITEMS, in batches of 1000 as CPython does', () => {
    const one = new PickleEncoder()
    expect(body(one.dict([['a', 1]], (value) => void one.int(value)))).toEqual([
      OP.EMPTY_DICT,
      OP.BINUNICODE,
      1,
      0,
      0,
      0,
      0x61,
      OP.BININT1,
      1,
      OP.SETITEM
    ])
    const many = new PickleEncoder()
    // Keys and values whose bytes never equal an opcode counted here.
    const entries = Array.from({ length: 1001 }, (_, i) => [`k${i}`, null] as const)
    const bytes = body(many.dict(entries, () => void many.none()))
    expect(bytes.filter((byte) => byte === OP.SETITEMS)).toHaveLength(1)
    expect(bytes.at(-1)).toBe(OP.SETITEM) // the 1001st item alone
  })

  it('writes tuples with EMPTY_TUPLE, TUPLE1-3, or MARK ... TUPLE', () => {
    const sizes = [0, 1, 2, 3, 4].map((size) => {
      const encoder = new PickleEncoder()
      encoder.tuple(Array.from({ length: size }, () => () => void encoder.none()))
      return body(encoder)
    })
    expect(sizes).toEqual([
      [OP.EMPTY_TUPLE],
      [OP.NONE, OP.TUPLE1],
      [OP.NONE, OP.NONE, OP.TUPLE2],
      [OP.NONE, OP.NONE, OP.NONE, OP.TUPLE3],
      [OP.MARK, OP.NONE, OP.NONE, OP.NONE, OP.NONE, OP.TUPLE]
    ])
  })

  it('memoizes a global: GLOBAL + BINPUT the first time, BINGET after', () => {
    const encoder = new PickleEncoder()
    encoder.call('collections', 'OrderedDict', []).call('collections', 'OrderedDict', [])
    const name = [...new TextEncoder().encode('collections\nOrderedDict\n')]
    expect(body(encoder)).toEqual([
      OP.GLOBAL,
      ...name,
      OP.BINPUT,
      0,
      OP.EMPTY_TUPLE,
      OP.REDUCE,
      OP.BINGET,
      0,
      OP.EMPTY_TUPLE,
      OP.REDUCE
    ])
  })

  it('writes a persistent id with BINPERSID and a state with BUILD', () => {
    const encoder = new PickleEncoder()
    encoder.persistentId(() => encoder.string('s')).build(() => encoder.none())
    expect(body(encoder)).toEqual([OP.BINUNICODE, 1, 0, 0, 0, 0x73, OP.BINPERSID, OP.NONE, OP.BUILD])
  })
})

describe('PickleEncoder: read back by our unpickler', () => {
  it('gives back the values written', () => {
    const encoder = new PickleEncoder()
    const values = [1, -2, 3.5, 300, 70000, -300000, 2 ** 40, true, null, 'h\u00e9llo', 'x'.repeat(300)]
    encoder.list(values, (value) => {
      if (typeof value === 'number') {
        if (Number.isInteger(value)) encoder.int(value)
        else encoder.float(value)
      } else if (typeof value === 'string') encoder.string(value)
      else if (typeof value === 'boolean') encoder.bool(value)
      else encoder.none()
    })
    expect(readBack(encoder)).toEqual(values)
  })

  it('gives back nested dicts and tuples', () => {
    const encoder = new PickleEncoder()
    encoder.dict([['pair', null]], () => encoder.tuple([() => encoder.int(1), () => encoder.float(-0.5)]))
    const root = unpickle(encoder.finish(), 0, 'test.pkl', DATA_ONLY_HOOKS).value
    expect(pickleToJson(root, 'root')).toEqual({ pair: [1, -0.5] })
    expect((root as { entries: Map<string, unknown> }).entries.get('pair')).toBeInstanceOf(PyTuple)
  })
})
