/** Small number and time formats the algorithms' texts share. */

export function utc(timestamp: string): string {
  return `${timestamp.replace('T', ' ').slice(0, 19)} UTC`
}

/** '-' for null and non-finite values (a flat output's correlation). */
export function fixed(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits)
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.toFixed(1)} %`
}

/** Four decimals, '-' for null (NaN prints as NaN, as the CLI always has). */
export function formatNumber(value: number | null): string {
  return value === null ? '-' : value.toFixed(4)
}
