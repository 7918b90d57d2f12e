/** JSON in and out of the runs tables: a value that cannot be stored is refused by name. */

export function toJson(value: unknown, what: string): string {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (error) {
    throw new Error(`${what} cannot be stored: ${error instanceof Error ? error.message : String(error)}`)
  }
  // JSON.stringify answers undefined (not an exception) for undefined, functions and symbols.
  if (json === undefined) throw new Error(`${what} cannot be stored: ${typeof value} has no JSON form`)
  return json
}

export function parseNumbers(json: string | null): number[] | null {
  return json === null ? null : (JSON.parse(json) as number[])
}
