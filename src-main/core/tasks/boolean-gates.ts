// Boolean-gate task presets: the 4 input corners and a truth table as 0/1 targets.

export interface GateTask {
  name: string
  inputs: number[][]
  targets: number[]
}

/** The 4 corners in the order every truth table below refers to. */
export const GATE_INPUTS: readonly (readonly [number, number])[] = [
  [-1, -1],
  [-1, 1],
  [1, -1],
  [1, 1]
]

export const NAMED_GATES: Readonly<Record<string, readonly number[]>> = {
  and: [0, 0, 0, 1],
  or: [0, 1, 1, 1],
  nand: [1, 1, 1, 0],
  nor: [1, 0, 0, 0],
  xor: [0, 1, 1, 0],
  xnor: [1, 0, 0, 1]
}

/** 'and' | 'or' | 'nand' | 'nor' | 'xor' | 'xnor' | 'gate:XXXX' (4 bits, one per corner). */
export function parseGateTask(task: string): GateTask {
  const key = task.trim().toLowerCase()
  let targets: number[]
  if (Object.prototype.hasOwnProperty.call(NAMED_GATES, key)) {
    targets = [...NAMED_GATES[key]!]
  } else if (key.startsWith('gate:')) {
    const bits = key.slice('gate:'.length)
    if (!/^[01]{4}$/.test(bits)) {
      throw new Error(
        `gate task '${task}': expected 'gate:' followed by 4 binary digits (one per input corner), e.g. gate:0110`
      )
    }
    targets = [...bits].map(Number)
  } else {
    throw new Error(`unknown gate task '${task}': use ${Object.keys(NAMED_GATES).join(', ')} or gate:XXXX`)
  }
  if (targets.every((t) => t === targets[0])) {
    // Correlation with a constant target is undefined, so nothing could be trained.
    throw new Error(
      `gate task '${task}' has a constant truth table; it cannot be trained (no correlation with a constant target)`
    )
  }
  return { name: key, inputs: GATE_INPUTS.map(([a, b]) => [a, b]), targets }
}
