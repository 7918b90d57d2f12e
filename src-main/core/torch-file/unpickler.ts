// A small pickle virtual machine for the data subset that torch.save writes. It never executes
// anything: GLOBAL, REDUCE, NEWOBJ, BUILD and persistent ids are all handed to hooks, and the
// torch hooks resolve only allow-listed names to inert markers. Every malformed input (truncated,
// stack underflow, wrong operand types) raises a TorchFileError that names the opcode and byte.
// Every resource a pickle can claim (opcodes, stack, memo, MARKs, objects, items, string bytes) is
// bounded by torch-file-limits.ts and checked before the allocation it would cause.
import { TorchFileError, damaged, unsupported } from './torch-file-error.js'
import { OP, isKnownOpcode, opcodeName } from './pickle-opcodes.js'
import { PyBytes, PyDict, PyTuple, isDictKey, previewText, pythonTypeName, type PickleValue } from './pickle-values.js'
import { ImportBudget, TORCH_FILE_LIMITS, formatCount, overLimit } from './torch-file-limits.js'
import { PickleReader, checkIntLength, decodeLong, parseTextInt } from './pickle-reader.js'

const HIGHEST_PROTOCOL = 5

export interface UnpicklerHooks {
  /** GLOBAL, STACK_GLOBAL and INST: return an inert marker or throw a refusal. */
  findGlobal(module: string, name: string): PickleValue
  /** REDUCE: `callable(*args)`. */
  call(callable: PickleValue, args: PyTuple): PickleValue
  /** NEWOBJ, NEWOBJ_EX, INST, OBJ: `cls.__new__(cls, *args)`. */
  instantiate(cls: PickleValue, args: PyTuple): PickleValue
  /** BUILD: `target.__setstate__(state)`, applied in place. */
  build(target: PickleValue, state: PickleValue): void
  /** BINPERSID and PERSID: resolve a persistent id (torch uses them for tensor storages). */
  persistentLoad(pid: PickleValue): PickleValue
}

export interface UnpickleResult {
  value: PickleValue
  /** Byte offset just after the STOP opcode: where a following pickle starts. */
  end: number
}

/**
 * Run one pickle starting at `start` until its STOP opcode. `budget` holds the file's running
 * totals (opcodes, objects), shared by the several pickles of a legacy file.
 */
export function unpickle(
  bytes: Uint8Array,
  start: number,
  label: string,
  hooks: UnpicklerHooks,
  budget = new ImportBudget()
): UnpickleResult {
  const reader = new PickleReader(bytes, start, label)
  let stack: PickleValue[] = []
  const markStack: PickleValue[][] = []
  /** Values put aside by the open MARKs: they count towards the stack limit too. */
  let stackedUnderMarks = 0
  const memo = new Map<number, PickleValue>()
  // Counted here and spent from the file's budget at STOP: a closure per opcode would be slow.
  const opcodeCap = budget.remaining('pickleOpcodes')
  const objectCap = budget.remaining('pickleObjects')
  let opcodes = 0
  let objects = 0

  const push = (value: PickleValue): void => {
    if (stack.length + stackedUnderMarks >= TORCH_FILE_LIMITS.stackItems) {
      throw overLimit(
        'stackItems',
        `${label} puts more than ${formatCount(TORCH_FILE_LIMITS.stackItems)} values on the pickle stack (${reader.where})`
      )
    }
    stack.push(value)
  }
  /** Count a list, tuple, dict or hook-built object before it is made. */
  const counted = <T extends PickleValue>(make: () => T): T => {
    objects += 1
    if (objects > objectCap) {
      throw overLimit(
        'pickleObjects',
        `the file builds more than ${formatCount(TORCH_FILE_LIMITS.pickleObjects)} lists, tuples, dicts and objects (${label}, ${reader.where})`
      )
    }
    return make()
  }
  const checkItems = (count: number): void => {
    if (count > TORCH_FILE_LIMITS.containerItems) {
      throw overLimit(
        'containerItems',
        `${label} builds a list, tuple or dict of ${formatCount(count)} items (${reader.where})`
      )
    }
  }

  const pop = (): PickleValue => {
    if (stack.length === 0) throw reader.fail('the stack is empty')
    return stack.pop()!
  }
  const top = (): PickleValue => {
    if (stack.length === 0) throw reader.fail('the stack is empty')
    return stack[stack.length - 1]!
  }
  // Callers must call popMark() before touching `stack`: it replaces the array (so never write
  // push(popMark()), which would push onto the discarded array).
  const popMark = (): PickleValue[] => {
    const items = stack
    const previous = markStack.pop()
    if (previous === undefined) throw reader.fail('there is no MARK to pop back to')
    stack = previous
    stackedUnderMarks -= previous.length
    return items
  }
  const memoGet = (key: number): PickleValue => {
    if (!memo.has(key)) throw reader.fail(`memo entry ${key} was never stored`)
    return memo.get(key)!
  }
  const memoPut = (key: number): void => {
    if (!Number.isSafeInteger(key) || key < 0) throw reader.fail(`memo key ${key} is invalid`)
    if (memo.size >= TORCH_FILE_LIMITS.memoEntries && !memo.has(key)) {
      throw overLimit(
        'memoEntries',
        `${label} stores more than ${formatCount(TORCH_FILE_LIMITS.memoEntries)} entries in its memo (${reader.where})`
      )
    }
    memo.set(key, top())
  }
  const tupleOf = (value: PickleValue, role: string): PyTuple => {
    if (!(value instanceof PyTuple)) throw reader.fail(`${role} is a ${pythonTypeName(value)}, not a tuple`)
    return value
  }
  const listAt = (value: PickleValue): PickleValue[] => {
    if (!Array.isArray(value)) throw reader.fail(`cannot append to a ${pythonTypeName(value)}`)
    return value
  }
  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof PyDict)) throw reader.fail(`cannot set items on a ${pythonTypeName(target)}`)
    if (items.length % 2 !== 0) throw reader.fail('a dict got a key without a value')
    checkItems(target.entries.size + items.length / 2)
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!
      if (!isDictKey(key))
        throw unsupported(
          `${label} uses a ${pythonTypeName(key)} as a dict key; only str, int, float, bool and None keys are supported`
        )
      target.entries.set(key, items[i + 1]!)
    }
  }
  const stringOperand = (value: PickleValue, role: string): string => {
    if (typeof value !== 'string') throw reader.fail(`${role} is a ${pythonTypeName(value)}, not a str`)
    return value
  }

  while (!reader.atEnd) {
    reader.opcodeStart = reader.position
    const code = reader.u8()
    reader.opcode = code
    opcodes += 1
    if (opcodes > opcodeCap) {
      throw overLimit(
        'pickleOpcodes',
        `the file runs more than ${formatCount(TORCH_FILE_LIMITS.pickleOpcodes)} pickle opcodes (${label}, ${reader.where})`
      )
    }
    switch (code) {
      case OP.PROTO: {
        const protocol = reader.u8()
        if (protocol > HIGHEST_PROTOCOL)
          throw unsupported(
            `${label} uses pickle protocol ${protocol}; protocols 0 to ${HIGHEST_PROTOCOL} are supported`
          )
        break
      }
      case OP.FRAME:
        reader.u64() // Framing only groups opcodes for buffered reads: nothing to do here.
        break
      case OP.STOP: {
        const value = pop()
        budget.spend('pickleOpcodes', opcodes, (total) => `the file runs ${total} pickle opcodes`)
        budget.spend('pickleObjects', objects, (total) => `the file builds ${total} lists, tuples, dicts and objects`)
        return { value, end: reader.position }
      }
      case OP.MARK:
        if (markStack.length >= TORCH_FILE_LIMITS.markDepth) {
          throw overLimit(
            'markDepth',
            `${label} opens more than ${formatCount(TORCH_FILE_LIMITS.markDepth)} MARKs at once (${reader.where})`
          )
        }
        markStack.push(stack)
        stackedUnderMarks += stack.length
        stack = []
        break
      case OP.POP:
        pop()
        break
      case OP.POP_MARK:
        popMark()
        break
      case OP.DUP:
        push(top())
        break

      case OP.NONE:
        push(null)
        break
      case OP.NEWTRUE:
        push(true)
        break
      case OP.NEWFALSE:
        push(false)
        break
      case OP.INT: {
        const text = reader.line()
        // Protocol 0 spells booleans as I01 / I00.
        push(text === '01' ? true : text === '00' ? false : parseTextInt(reader, text))
        break
      }
      case OP.LONG:
        push(parseTextInt(reader, reader.line()))
        break
      case OP.BININT:
        push(reader.i32())
        break
      case OP.BININT1:
        push(reader.u8())
        break
      case OP.BININT2:
        push(reader.u16())
        break
      case OP.LONG1:
        push(decodeLong(reader.take(reader.u8())))
        break
      case OP.LONG4: {
        const length = reader.i32()
        if (length < 0) throw reader.fail('a negative LONG4 length')
        checkIntLength(length, label)
        push(decodeLong(reader.take(length)))
        break
      }
      case OP.FLOAT: {
        const text = reader.line()
        const value = Number(text)
        if (text.trim() === '' || (Number.isNaN(value) && !/^[-+]?nan$/i.test(text)))
          throw reader.fail(`${previewText(text)} is not a float`)
        push(value)
        break
      }
      case OP.BINFLOAT:
        push(reader.f64BigEndian())
        break

      case OP.BINUNICODE:
        push(reader.text(reader.u32()))
        break
      case OP.SHORT_BINUNICODE:
        push(reader.text(reader.u8()))
        break
      case OP.BINUNICODE8:
        push(reader.text(reader.u64()))
        break
      // Python 2 byte strings; torch.load decodes them as UTF-8 text too.
      case OP.BINSTRING: {
        const length = reader.i32()
        if (length < 0) throw reader.fail('a negative BINSTRING length')
        push(reader.text(length))
        break
      }
      case OP.SHORT_BINSTRING:
        push(reader.text(reader.u8()))
        break
      case OP.BINBYTES:
        push(counted(() => new PyBytes(reader.take(reader.u32()))))
        break
      case OP.SHORT_BINBYTES:
        push(counted(() => new PyBytes(reader.take(reader.u8()))))
        break
      case OP.BINBYTES8:
      case OP.BYTEARRAY8:
        push(counted(() => new PyBytes(reader.take(reader.u64()))))
        break

      case OP.EMPTY_LIST:
        push(counted(() => []))
        break
      case OP.LIST: {
        const items = popMark()
        checkItems(items.length)
        push(counted(() => items))
        break
      }
      case OP.APPEND: {
        const value = pop()
        const list = listAt(top())
        checkItems(list.length + 1)
        list.push(value)
        break
      }
      case OP.APPENDS: {
        const items = popMark()
        const list = listAt(top())
        checkItems(list.length + items.length)
        for (const item of items) list.push(item) // no spread: a long APPENDS would overflow the call stack
        break
      }
      case OP.EMPTY_TUPLE:
        push(counted(() => new PyTuple([])))
        break
      case OP.TUPLE: {
        const items = popMark()
        checkItems(items.length)
        push(counted(() => new PyTuple(items)))
        break
      }
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const count = code - OP.TUPLE1 + 1
        if (stack.length < count) throw reader.fail('the stack is empty')
        push(counted(() => new PyTuple(stack.splice(stack.length - count, count))))
        break
      }
      case OP.EMPTY_DICT:
        push(counted(() => new PyDict(false)))
        break
      case OP.DICT: {
        const dict = counted(() => new PyDict(false))
        setItems(dict, popMark())
        push(dict)
        break
      }
      case OP.SETITEM: {
        const value = pop()
        const key = pop()
        setItems(top(), [key, value])
        break
      }
      case OP.SETITEMS: {
        const items = popMark()
        setItems(top(), items)
        break
      }

      case OP.PUT:
        memoPut(Number(parseTextInt(reader, reader.line())))
        break
      case OP.BINPUT:
        memoPut(reader.u8())
        break
      case OP.LONG_BINPUT:
        memoPut(reader.u32())
        break
      case OP.MEMOIZE:
        memoPut(memo.size)
        break
      case OP.GET:
        push(memoGet(Number(parseTextInt(reader, reader.line()))))
        break
      case OP.BINGET:
        push(memoGet(reader.u8()))
        break
      case OP.LONG_BINGET:
        push(memoGet(reader.u32()))
        break

      case OP.GLOBAL: {
        const module = reader.line()
        const name = reader.line()
        push(counted(() => hooks.findGlobal(module, name)))
        break
      }
      case OP.STACK_GLOBAL: {
        const name = stringOperand(pop(), 'the STACK_GLOBAL name')
        const module = stringOperand(pop(), 'the STACK_GLOBAL module')
        push(counted(() => hooks.findGlobal(module, name)))
        break
      }
      case OP.REDUCE: {
        const args = tupleOf(pop(), 'the REDUCE argument')
        const callable = pop()
        push(counted(() => hooks.call(callable, args)))
        break
      }
      case OP.NEWOBJ: {
        const args = tupleOf(pop(), 'the NEWOBJ argument')
        const cls = pop()
        push(counted(() => hooks.instantiate(cls, args)))
        break
      }
      case OP.NEWOBJ_EX: {
        const kwargs = pop()
        const args = tupleOf(pop(), 'the NEWOBJ_EX argument')
        const cls = pop()
        if (!(kwargs instanceof PyDict) || kwargs.entries.size > 0) {
          throw unsupported(
            `${label} passes keyword arguments to a constructor (NEWOBJ_EX), which torch.save never does`
          )
        }
        push(counted(() => hooks.instantiate(cls, args)))
        break
      }
      case OP.INST: {
        const module = reader.line()
        const name = reader.line()
        const cls = counted(() => hooks.findGlobal(module, name))
        const args = new PyTuple(popMark())
        push(counted(() => hooks.instantiate(cls, args)))
        break
      }
      case OP.OBJ: {
        const items = popMark()
        if (items.length === 0) throw reader.fail('OBJ without a class')
        push(counted(() => hooks.instantiate(items[0]!, new PyTuple(items.slice(1)))))
        break
      }
      case OP.BUILD: {
        const state = pop()
        hooks.build(top(), state)
        break
      }
      case OP.BINPERSID:
        push(counted(() => hooks.persistentLoad(pop())))
        break
      case OP.PERSID:
        push(counted(() => hooks.persistentLoad(reader.line())))
        break

      case OP.EXT1:
      case OP.EXT2:
      case OP.EXT4: {
        const extensionCode = code === OP.EXT1 ? reader.u8() : code === OP.EXT2 ? reader.u16() : reader.i32()
        throw new TorchFileError(
          'refused',
          `refused: ${label} names a Python global through the copyreg extension registry (code ${extensionCode}), which a surrogate model never needs`
        )
      }
      default:
        if (isKnownOpcode(code)) {
          throw unsupported(
            `${label} uses the pickle opcode ${opcodeName(code)} at byte ${reader.opcodeStart}, which torch.save never writes for a surrogate model`
          )
        }
        throw reader.fail('this byte is not a pickle opcode')
    }
  }
  throw damaged(`${label} is truncated: it ends at byte ${bytes.length} before the pickle's STOP opcode`)
}
