/**
 * A list of the shipped halves of the algorithms' descriptors (plain, worker, main), plus those
 * registered at run time: only tests register, to prove that a new algorithm needs nothing but
 * its trainer and its descriptor (see services/algorithms/random-search.test.ts).
 */
export interface AlgorithmRegistry<Entry extends { id: string }> {
  /** The shipped entries first, then the registered ones. */
  all(): Entry[]
  find(id: string): Entry | undefined
  /** The entry of `id`; throws naming the known ones when this build does not know it. */
  of(id: string): Entry
  /** Adds an entry; returns the function that removes it again. */
  register(entry: Entry): () => void
}

export function algorithmRegistry<Entry extends { id: string }>(shipped: readonly Entry[]): AlgorithmRegistry<Entry> {
  const extra = new Map<string, Entry>()
  const all = (): Entry[] => [...shipped, ...extra.values()]
  const find = (id: string): Entry | undefined => all().find((entry) => entry.id === id)
  return {
    all,
    find,
    of(id) {
      const entry = find(id)
      if (!entry)
        throw new Error(
          `algorithm '${id}' is not known to this version (known: ${all()
            .map((known) => known.id)
            .join(', ')})`
        )
      return entry
    },
    register(entry) {
      if (find(entry.id)) throw new Error(`algorithm '${entry.id}' is already declared`)
      extra.set(entry.id, entry)
      return () => extra.delete(entry.id)
    }
  }
}
