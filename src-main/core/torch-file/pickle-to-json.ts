// Converts unpickled plain data (the brainspy `info` dict) to JSON values, the shape the rest
// of the app stores and displays. Shared references are expanded, so a hostile pickle of nested
// references to one list could blow up exponentially: a value budget and a depth limit stop that,
// and a reference cycle (a list appended to itself) is refused rather than followed. The depth
// limit also keeps the recursion far from the call stack's end.
import { invalidModel } from './torch-file-error.js'
import { PyDict, PyTuple, pythonTypeName, type PickleValue } from './pickle-values.js'
import { TORCH_FILE_LIMITS, formatCount, overLimit } from './torch-file-limits.js'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** Python's json.dumps spelling of non-string dict keys. */
function keyText(key: PickleValue): string {
  if (key === null) return 'null'
  return String(key)
}

export function pickleToJson(value: PickleValue, path: string): JsonValue {
  let nodes = 0
  const ancestors = new Set<object>()

  const convert = (current: PickleValue, at: string, depth: number): JsonValue => {
    nodes += 1
    if (nodes > TORCH_FILE_LIMITS.infoValues) {
      throw overLimit('infoValues', `${path} expands to more than ${formatCount(TORCH_FILE_LIMITS.infoValues)} values`)
    }
    if (depth > TORCH_FILE_LIMITS.infoDepth) {
      throw overLimit('infoDepth', `${path} is nested more than ${TORCH_FILE_LIMITS.infoDepth} levels deep`)
    }
    if (current === null || typeof current === 'boolean' || typeof current === 'number' || typeof current === 'string')
      return current
    if (typeof current === 'bigint') return Number(current)
    if (ancestors.has(current)) throw invalidModel(`${at} contains itself (a reference cycle)`)
    ancestors.add(current)
    try {
      if (Array.isArray(current) || current instanceof PyTuple) {
        const items = Array.isArray(current) ? current : current.items
        return items.map((item, i) => convert(item, `${at}[${i}]`, depth + 1))
      }
      if (current instanceof PyDict) {
        const result: { [key: string]: JsonValue } = {}
        for (const [key, item] of current.entries) {
          const text = keyText(key)
          // defineProperty: a key named __proto__ must become data, not the object's prototype.
          Object.defineProperty(result, text, {
            value: convert(item, `${at}.${text}`, depth + 1),
            enumerable: true,
            writable: true,
            configurable: true
          })
        }
        return result
      }
      throw invalidModel(`${at} holds a ${pythonTypeName(current)}, which cannot be kept as model information`)
    } finally {
      ancestors.delete(current)
    }
  }

  return convert(value, path, 0)
}

const PREVIEW_CHARS = 60

/** A JSON value for an error message, cut short: a hostile info may hold huge lists or strings. */
export function previewJson(value: JsonValue | undefined): string {
  const text = JSON.stringify(value) ?? 'nothing'
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}...` : text
}
