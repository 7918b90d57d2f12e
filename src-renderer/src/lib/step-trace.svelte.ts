import type { AlignedData } from 'uplot'

/** How a trace reads its records: the step number, and the chart columns (the step first). */
export interface StepTraceColumns<T> {
  /** The step a record belongs to (a generation, an epoch); records are kept in its order. */
  step: (record: T) => number
  /** One value per chart column, the x value first. */
  columns: ((record: T) => number | null)[]
}

/**
 * A run's per-step records (GA generations, GD epochs), kept as uPlot columns that grow in
 * place: a live run adds a step per event, and copying every column per event would cost
 * O(steps) each time. Subclasses name the columns and may keep running figures through
 * `appended` and `cleared` (called only after their own fields exist: they call `reset`).
 */
export class StepTrace<T> {
  readonly #read: StepTraceColumns<T>
  #records: T[] = []
  #columns: (number | null)[][] = []

  /** The columns, x first; a new outer array per change. */
  data = $state.raw<AlignedData>([])
  latest = $state.raw<T | null>(null)
  /** Steps recorded (one record each, whatever number the first one carries). */
  count = $state(0)

  constructor(read: StepTraceColumns<T>) {
    this.#read = read
    this.#clear()
    this.#publish()
  }

  reset(records: readonly T[] = []): void {
    this.#clear()
    this.cleared()
    const sorted = [...records].sort((a, b) => this.#read.step(a) - this.#read.step(b))
    for (const record of sorted) this.#append(record)
    this.#publish()
  }

  /** Adds a live step; a repeated or older step is ignored. */
  add(record: T): void {
    if (this.#append(record)) this.#publish()
  }

  /**
   * Replaces the history with what the database holds, keeping live steps that arrived after
   * the database was read.
   */
  merge(stored: readonly T[]): void {
    const lastStored = stored.reduce((max, r) => Math.max(max, this.#read.step(r)), -Infinity)
    const newerLive = this.#records.filter((r) => this.#read.step(r) > lastStored)
    this.reset([...stored, ...newerLive])
  }

  /** A record was kept (in step order, after the last `cleared`). */
  protected appended(_record: T): void {}

  /** The trace was emptied, before a reset refills it. */
  protected cleared(): void {}

  #clear(): void {
    this.#records = []
    this.#columns = this.#read.columns.map(() => [])
  }

  #append(record: T): boolean {
    const last = this.#records.at(-1)
    if (last !== undefined && this.#read.step(record) <= this.#read.step(last)) return false
    this.#records.push(record)
    this.#read.columns.forEach((value, i) => this.#columns[i].push(value(record)))
    this.appended(record)
    return true
  }

  #publish(): void {
    this.data = [...this.#columns] as AlignedData
    this.latest = this.#records.at(-1) ?? null
    this.count = this.#records.length
  }
}
