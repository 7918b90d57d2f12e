// What the unpickler produces: plain JS values for Python's data types, small classes where JS
// has no faithful equivalent (tuple, dict with non-string keys, bytes, a global reference), and
// opaque extension objects (tensors, storages) made by the torch hooks. Nothing here can run code.

/** A Python tuple (kept apart from lists, which are plain JS arrays). */
export class PyTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** Python dict keys this importer accepts: the hashable scalars. */
export type PyDictKey = string | number | bigint | boolean | null

/** A Python dict or collections.OrderedDict. Insertion order is kept, as in Python 3.7+. */
export class PyDict {
  readonly entries = new Map<PyDictKey, PickleValue>()
  /**
   * Instance attributes set by BUILD (torch's state dicts carry `_metadata` this way). They are
   * not items of the dict, so they are kept apart and never mixed into `entries`.
   */
  attributes: Map<PyDictKey, PickleValue> | null = null

  constructor(readonly ordered: boolean) {}
}

/** Python bytes or bytearray. */
export class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
}

/** A reference to an allow-listed Python global (a class or function), by name only. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`
  }
}

/** Objects created by hooks (a torch tensor or storage). `pythonType` names them in messages. */
export interface PickleExtension {
  readonly pythonType: string
}

export type PickleValue =
  null | boolean | number | bigint | string | PickleValue[] | PyTuple | PyDict | PyBytes | PyGlobal | PickleExtension

/** Python's name for the value's type, for error messages. */
export function pythonTypeName(value: PickleValue): string {
  if (value === null) return 'None'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'bigint') return 'int'
  if (typeof value === 'string') return 'str'
  if (Array.isArray(value)) return 'list'
  if (value instanceof PyTuple) return 'tuple'
  if (value instanceof PyDict) return value.ordered ? 'collections.OrderedDict' : 'dict'
  if (value instanceof PyBytes) return 'bytes'
  if (value instanceof PyGlobal) return value.qualifiedName
  return value.pythonType
}

export function isDictKey(value: PickleValue): value is PyDictKey {
  return value === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof value)
}

const PREVIEW_CHARS = 40
const PREVIEW_ITEMS = 8

/**
 * A string for an error message, cut short: a hostile file may hold megabyte-long strings, and
 * a message has to stay one readable line.
 */
export function previewText(text: string): string {
  return JSON.stringify(cut(text))
}

function cut(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}...` : text
}

/** Numbers or names for an error message, "a, b, c, ... (N in all)", never the whole list. */
export function previewList(items: readonly (number | string)[]): string {
  const shown = items.slice(0, PREVIEW_ITEMS).map((item) => (typeof item === 'string' ? cut(item) : String(item)))
  return `${shown.join(', ')}${items.length > PREVIEW_ITEMS ? `, ... (${items.length} in all)` : ''}`
}

/**
 * Any pickled value for an error message: scalars as Python would print them (strings cut),
 * anything else by its type only. Never walks a container, so a self-referencing or deeply
 * nested one costs nothing here.
 */
export function describeValue(value: PickleValue | undefined): string {
  if (value === undefined) return 'missing'
  if (value === null) return 'None'
  if (typeof value === 'string') return previewText(value)
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  return `a ${pythonTypeName(value)}`
}
