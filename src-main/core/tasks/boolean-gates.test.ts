import { describe, expect, it } from 'vitest'
import { parseGateTask } from './boolean-gates.js'

const CORNERS = [
  [-1, -1],
  [-1, 1],
  [1, -1],
  [1, 1]
]

describe('parseGateTask', () => {
  it.each([
    ['and', [0, 0, 0, 1]],
    ['or', [0, 1, 1, 1]],
    ['nand', [1, 1, 1, 0]],
    ['nor', [1, 0, 0, 0]],
    ['xor', [0, 1, 1, 0]],
    ['xnor', [1, 0, 0, 1]]
  ])('%s', (name, targets) => {
    expect(parseGateTask(name)).toEqual({ name, inputs: CORNERS, targets })
  })

  it('accepts gate:XXXX and is case-insensitive', () => {
    expect(parseGateTask('gate:0010')).toEqual({ name: 'gate:0010', inputs: CORNERS, targets: [0, 0, 1, 0] })
    expect(parseGateTask(' XOR ').targets).toEqual([0, 1, 1, 0])
  })

  it('refuses constant truth tables and malformed tasks', () => {
    expect(() => parseGateTask('gate:0000')).toThrow(/constant truth table/)
    expect(() => parseGateTask('gate:1111')).toThrow(/constant truth table/)
    expect(() => parseGateTask('gate:012')).toThrow(/4 binary digits/)
    expect(() => parseGateTask('implies')).toThrow(/unknown gate task/)
  })

  it('returns fresh arrays', () => {
    const task = parseGateTask('xor')
    task.targets[0] = 9
    task.inputs[0]![0] = 9
    expect(parseGateTask('xor').targets[0]).toBe(0)
    expect(parseGateTask('xor').inputs[0]).toEqual([-1, -1])
  })
})
