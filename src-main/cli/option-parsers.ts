/**
 * Parsers of the `dnpu` options' values, shared by every command so that the same kind of value
 * is refused with the same words everywhere. Each throws commander's InvalidArgumentError, which
 * commander prints as a usage error (exit 2) naming the option.
 */
import { availableParallelism } from 'node:os'
import { InvalidArgumentError, Option } from 'commander'

export function integer(name: string, min: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`)
    const parsed = Number(value)
    if (parsed < min) throw new InvalidArgumentError(`${name} must be at least ${min}, got ${value}`)
    return parsed
  }
}

export function finiteNumber(name: string) {
  return (value: string): number => {
    const parsed = Number(value)
    if (value.trim() === '' || !Number.isFinite(parsed))
      throw new InvalidArgumentError(`${name} must be a number, got "${value}"`)
    return parsed
  }
}

export function numberTriple(name: string) {
  return (value: string): [number, number, number] => {
    const numbers = value.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)))
    if (numbers.length !== 3 || numbers.some((n) => !Number.isFinite(n))) {
      throw new InvalidArgumentError(
        `${name} must be three numbers separated by commas (e.g. 0.7,0.15,0.15), got "${value}"`
      )
    }
    return [numbers[0], numbers[1], numbers[2]]
  }
}

export function numberPair(name: string, integers: boolean) {
  return (value: string): [number, number] => {
    const parts = value.split(',').map((part) => part.trim())
    const numbers = parts.map(Number)
    if (
      parts.length !== 2 ||
      parts.some((p) => p === '') ||
      numbers.some((n) => !Number.isFinite(n)) ||
      (integers && numbers.some((n) => !Number.isInteger(n)))
    ) {
      throw new InvalidArgumentError(
        `${name} must be two ${integers ? 'whole numbers' : 'numbers'} separated by a comma (e.g. ${integers ? '4,22' : '-1,1'}), got "${value}"`
      )
    }
    return [numbers[0], numbers[1]]
  }
}

/**
 * A folder path that must say something: an empty `--data-dir ""` (an unset shell variable, say)
 * would otherwise fall back to the real user data folder without a word.
 */
export function folderPath(name: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${name} must name a folder, got an empty value`)
    return value
  }
}

/**
 * Threads to split work over. More threads than cores only add hand-overs (results do not
 * depend on the count), so a larger number is capped at the core count, with a note on stderr.
 */
export function workerCount(
  name: string,
  cores: number = availableParallelism(),
  note: (text: string) => void = (text) => process.stderr.write(text)
) {
  const parse = integer(name, 1)
  return (value: string): number => {
    const requested = parse(value)
    if (requested <= cores) return requested
    note(`dnpu: ${name} ${requested} is more than this machine's ${cores} cores: using ${cores}\n`)
    return cores
  }
}

export const dataDirOption = (): Option =>
  new Option(
    '--data-dir <dir>',
    "folder of the DNPU Lab database (default: $DNPU_DATA_DIR, else the app's folder)"
  ).argParser(folderPath('--data-dir'))
