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
