/** Display helpers shared by the views. */

export function fixed(value: number | null | undefined, decimals = 3): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(decimals) : '—'
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })

/** The day only, for narrow table cells (the time is in the title and the details). */
export function localDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dayFormat.format(date)
}

export function localDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date)
}

/**
 * Labels of a boolean gate's four inputs, in the order of the task's targets: the corners
 * (low, low), (low, high), (high, low), (high, high) of the input range.
 */
export const GATE_INPUT_LABELS = ['0 0', '0 1', '1 0', '1 1']

/**
 * A number in at most about 4 significant digits that stays readable across decades (losses
 * run from 1e-4 to 1e25): plain notation between 0.001 and 10000, else exponent notation.
 */
export function compact(value: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—'
  if (value === 0) return '0'
  const magnitude = Math.abs(value)
  if (magnitude >= 1e4 || magnitude < 1e-3) return value.toExponential(2).replace('e+', 'e')
  return String(Number(value.toPrecision(4)))
}

/** A percentage with one decimal, or a dash when there is none. */
export function percent(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(1)} %` : '—'
}

/** A whole count with thousands separators (1,022), the same in every locale. */
export function count(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 0 })
}
