import { describe, expect, it } from 'vitest'
import { unpickle, type UnpicklerHooks } from './unpickler.js'
import { DATA_ONLY_HOOKS, createTorchHooks } from './torch-globals.js'
import { PyBytes, PyDict, PyTuple, type PickleValue } from './pickle-values.js'
import { pickleToJson } from './pickle-to-json.js'
import { TorchStorageRef, TorchTensor } from './torch-tensor.js'
import { OP } from './pickle-opcodes.js'
import { PickleWriter } from './__fixtures__/pickle-writer.js'
import { pythonPickle } from './__fixtures__/python-pickles.js'
import { errorOf } from './__fixtures__/error-of.js'

const NO_STORAGE_HOOKS: UnpicklerHooks = createTorchHooks(() => {
  throw new Error('no storages in these tests')
}).hooks

function load(bytes: Uint8Array, hooks: UnpicklerHooks = NO_STORAGE_HOOKS): PickleValue {
  return unpickle(bytes, 0, 'test.pkl', hooks).value
}

describe('unpickle: data written by CPython', () => {
  const expectedInfo = { a: [1, -2, 3.5, 2 ** 70, -(2 ** 70), true, null, 'h\u00e9llo', [1, 2]], n: -300000 }

  it.each(['protocol2', 'protocol4', 'protocol5'] as const)('reads %s', (name) => {
    const root = load(pythonPickle(name))
    expect(root).toBeInstanceOf(PyDict)
    const dict = root as PyDict
    expect(pickleToJson(dict.entries.get('info')!, 'info')).toEqual(expectedInfo)
    const ordered = dict.entries.get('od') as PyDict
    expect(ordered.ordered).toBe(true)
    expect([...ordered.entries]).toEqual([
      ['k', 1],
      ['j', [1.5]]
    ])
    if (name !== 'protocol2') expect((dict.entries.get('b') as PyBytes).bytes).toEqual(new Uint8Array([0x78, 0x79]))
  })

  it('keeps ints beyond 2^53 exact as bigint', () => {
    const info = (load(pythonPickle('protocol4')) as PyDict).entries.get('info') as PyDict
    const list = info.entries.get('a') as PickleValue[]
    expect(list[3]).toBe(2n ** 70n)
    expect(list[4]).toBe(-(2n ** 70n))
    expect(list[8]).toBeInstanceOf(PyTuple)
  })
})

describe('unpickle: opcodes', () => {
  it('reads ints of every width', () => {
    const writer = new PickleWriter().proto(2).mark()
    ;[0, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31, 2 ** 53 + 2].forEach((value) => writer.int(value))
    const tuple = load(writer.tuple().stop().toBytes()) as PyTuple
    expect(tuple.items).toEqual([0, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31, 2n ** 53n + 2n])
  })

  it('reads the text opcodes of protocol 0', () => {
    const bytes = new TextEncoder().encode('(I01\nI00\nI-42\nL12345678901234567890L\nF-0.25\ntp0\n0g0\n.')
    expect(load(bytes)).toEqual(new PyTuple([true, false, -42, 12345678901234567890n, -0.25]))
  })

  it('supports DUP, POP, POP_MARK, memo by LONG_BINPUT / LONG_BINGET and MEMOIZE', () => {
    const bytes = new PickleWriter()
      .proto(4)
      .str('a')
      .raw(OP.LONG_BINPUT, 7, 0, 0, 0)
      .raw(OP.MEMOIZE)
      .raw(OP.POP)
      .mark()
      .str('dropped')
      .raw(OP.POP_MARK)
      .raw(OP.LONG_BINGET, 7, 0, 0, 0)
      .raw(OP.DUP)
      .raw(OP.TUPLE2)
      .stop()
      .toBytes()
    expect(load(bytes)).toEqual(new PyTuple(['a', 'a']))
  })

  it('stops at STOP and reports where the next pickle starts', () => {
    const bytes = new Uint8Array([
      ...new PickleWriter().proto(2).int(1).stop().toBytes(),
      ...new PickleWriter().proto(2).int(2).stop().toBytes()
    ])
    const first = unpickle(bytes, 0, 'test.pkl', DATA_ONLY_HOOKS)
    expect(first).toEqual({ value: 1, end: 5 })
    expect(unpickle(bytes, first.end, 'test.pkl', DATA_ONLY_HOOKS).value).toBe(2)
  })

  it('keeps OrderedDict attributes set by BUILD apart from its items', () => {
    const bytes = new PickleWriter()
      .proto(2)
      .global('collections', 'OrderedDict')
      .emptyTuple()
      .reduce()
      .str('k')
      .int(1)
      .setitem()
      .value({ _metadata: { '': { version: 1 } } })
      .build()
      .stop()
      .toBytes()
    const dict = load(bytes) as PyDict
    expect([...dict.entries.keys()]).toEqual(['k'])
    expect([...dict.attributes!.keys()]).toEqual(['_metadata'])
  })

  it('builds an OrderedDict from a list of pairs and through NEWOBJ', () => {
    const fromPairs = new PickleWriter().proto(2).global('collections', 'OrderedDict').mark().emptyList().mark()
    fromPairs.mark().str('x').int(1).tuple().appends().tuple().reduce().stop()
    expect([...(load(fromPairs.toBytes()) as PyDict).entries]).toEqual([['x', 1]])
    const newobj = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().raw(OP.NEWOBJ).stop()
    expect((load(newobj.toBytes()) as PyDict).ordered).toBe(true)
  })

  it('rebuilds a tensor through the pre-0.4 torch._utils._rebuild_tensor', () => {
    const storage = new TorchStorageRef('0', 'float64', 4)
    const { hooks, tensors } = createTorchHooks(() => storage)
    const bytes = new PickleWriter()
      .proto(2)
      .global('torch._utils', '_rebuild_tensor')
      .mark()
      .str('pid')
      .binpersid()
      .int(1)
    bytes.mark().int(3).tuple().mark().int(1).tuple().tuple().reduce().stop()
    const tensor = load(bytes.toBytes(), hooks) as TorchTensor
    expect(tensor).toBeInstanceOf(TorchTensor)
    expect([tensor.shape, tensor.storageOffset, tensor.dtype]).toEqual([[3], 1, 'float64'])
    expect(tensors).toEqual([tensor])
  })

  it('treats a __proto__ key as data when converting to JSON', () => {
    const bytes = new PickleWriter()
      .proto(2)
      .value({ ['__proto__']: { polluted: true } })
      .stop()
      .toBytes()
    const json = pickleToJson(load(bytes), 'info') as Record<string, unknown>
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype)
    expect(Object.keys(json)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})

describe('unpickle: malformed input', () => {
  it.each([
    ['an empty input', [], /truncated: it ends at byte 0 before the pickle's STOP/],
    ['no STOP', [OP.PROTO, 2, OP.NONE], /truncated: it ends at byte 3 before the pickle's STOP/],
    ['a cut BININT', [OP.PROTO, 2, OP.BININT, 1, 2], /truncated: it ends inside BININT at byte 2/],
    ['a cut string', [OP.PROTO, 2, OP.BINUNICODE, 10, 0, 0, 0, 0x61], /truncated: it ends inside BINUNICODE at byte 2/],
    [
      'a huge BINUNICODE8 length',
      [OP.PROTO, 4, OP.BINUNICODE8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
      /holds a string of 9,223,372,036,854,775,807 bytes \(BINUNICODE8 at byte 2\) \(limit: 1,048,576 \(1 MiB\) bytes in one string\)/
    ],
    ['STOP on an empty stack', [OP.PROTO, 2, OP.STOP], /the stack is empty \(STOP at byte 2\)/],
    [
      'APPEND on a str',
      [OP.PROTO, 2, OP.SHORT_BINUNICODE, 1, 0x61, OP.NONE, OP.APPEND, OP.STOP],
      /cannot append to a str \(APPEND at byte 6\)/
    ],
    ['SETITEM on a list', [OP.EMPTY_LIST, OP.NONE, OP.NONE, OP.SETITEM, OP.STOP], /cannot set items on a list/],
    ['TUPLE without MARK', [OP.TUPLE, OP.STOP], /no MARK to pop back to/],
    ['a missing memo entry', [OP.BINGET, 3, OP.STOP], /memo entry 3 was never stored/],
    ['invalid UTF-8', [OP.SHORT_BINUNICODE, 1, 0xff, OP.STOP], /not valid UTF-8/],
    [
      'a byte that is no opcode',
      [OP.PROTO, 2, 0xff],
      /this byte is not a pickle opcode \(unknown opcode 0xff at byte 2\)/
    ],
    [
      'REDUCE with a list argument',
      [OP.NONE, OP.EMPTY_LIST, OP.REDUCE, OP.STOP],
      /the REDUCE argument is a list, not a tuple/
    ],
    [
      'REDUCE on a str',
      [OP.SHORT_BINUNICODE, 1, 0x61, OP.EMPTY_TUPLE, OP.REDUCE, OP.STOP],
      /calls a str, which is not callable/
    ],
    ['a list as dict key', [OP.EMPTY_DICT, OP.EMPTY_LIST, OP.NONE, OP.SETITEM, OP.STOP], /uses a list as a dict key/]
  ])('reports %s', (_, bytes, message) => {
    expect(errorOf(() => load(Uint8Array.from(bytes))).reason).toMatch(message)
  })

  it('refuses a protocol newer than 5', () => {
    const error = errorOf(() => load(Uint8Array.from([OP.PROTO, 6, OP.NONE, OP.STOP])))
    expect(error.kind).toBe('unsupported')
    expect(error.reason).toMatch(/pickle protocol 6/)
  })

  it('refuses integers long enough to make decoding slow', () => {
    const long4 = Uint8Array.from([OP.PROTO, 2, OP.LONG4, 0, 0, 0x10, 0, ...new Uint8Array(0x100000), OP.STOP])
    expect(errorOf(() => load(long4)).reason).toBe(
      'test.pkl holds an integer of 1048576 bytes, far longer than any surrogate model needs'
    )
    const text = new TextEncoder().encode(`L${'9'.repeat(100_000)}L\n.`)
    expect(errorOf(() => load(text)).kind).toBe('unsupported')
  })

  it('refuses opcodes torch never writes, naming them', () => {
    const error = errorOf(() => load(Uint8Array.from([OP.PROTO, 4, OP.EMPTY_SET, OP.STOP])))
    expect(error.kind).toBe('unsupported')
    expect(error.reason).toMatch(/EMPTY_SET at byte 2/)
  })
})
