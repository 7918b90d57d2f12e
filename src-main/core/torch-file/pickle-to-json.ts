// Converts unpickled plain data (the brainspy `info` dict) to JSON values, the shape the rest
// of the app stores and displays. Shared references are expanded, so a hostile pickle of nested
// references to one list could blow up exponentially: a node budget and a depth limit stop that.
import { invalidModel } from './torch-file-error.js';
import { PyDict, PyTuple, pythonTypeName, type PickleValue } from './pickle-values.js';

const MAX_NODES = 1_000_000;
const MAX_DEPTH = 100;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Python's json.dumps spelling of non-string dict keys. */
function keyText(key: PickleValue): string {
  if (key === null) return 'null';
  return String(key);
}

export function pickleToJson(value: PickleValue, path: string): JsonValue {
  let nodes = 0;
  const ancestors = new Set<object>();

  const convert = (current: PickleValue, at: string, depth: number): JsonValue => {
    nodes += 1;
    if (nodes > MAX_NODES || depth > MAX_DEPTH) throw invalidModel(`${path} is too large or too deeply nested to be model information`);
    if (current === null || typeof current === 'boolean' || typeof current === 'number' || typeof current === 'string') return current;
    if (typeof current === 'bigint') return Number(current);
    if (ancestors.has(current)) throw invalidModel(`${at} contains itself (a reference cycle)`);
    ancestors.add(current);
    try {
      if (Array.isArray(current) || current instanceof PyTuple) {
        const items = Array.isArray(current) ? current : current.items;
        return items.map((item, i) => convert(item, `${at}[${i}]`, depth + 1));
      }
      if (current instanceof PyDict) {
        const result: { [key: string]: JsonValue } = {};
        for (const [key, item] of current.entries) {
          const text = keyText(key);
          // defineProperty: a key named __proto__ must become data, not the object's prototype.
          Object.defineProperty(result, text, { value: convert(item, `${at}.${text}`, depth + 1), enumerable: true, writable: true, configurable: true });
        }
        return result;
      }
      throw invalidModel(`${at} holds a ${pythonTypeName(current)}, which cannot be kept as model information`);
    } finally {
      ancestors.delete(current);
    }
  };

  return convert(value, path, 0);
}
