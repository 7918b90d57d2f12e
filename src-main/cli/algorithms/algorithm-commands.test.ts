/**
 * Every algorithm this build ships has its CLI command on ALGORITHM_COMMANDS (or is listed below
 * as having none), and the commands speak of the algorithm in its own terms. The commands are
 * defined on a bare commander program: defining one loads no trainer.
 */
import { Command, type Option } from 'commander'
import { describe, expect, it } from 'vitest'
import { ALGORITHM_DESCRIPTORS, algorithmOf } from '../../../src-shared/domain'
import type { CliContext } from '../program'
import { ALGORITHM_COMMANDS } from '.'

/** Shipped algorithms that have no command of their own (none yet): say so here when adding one. */
const WITHOUT_CLI_COMMAND: string[] = []

const context: CliContext = { version: '0.0.0-test', resourcesFolder: '', rendererFolder: '' }

function definedCommands(): { id: string; step: string; command: Command }[] {
  const program = new Command('dnpu')
  const train = program.command('train')
  const surrogate = program.command('surrogate')
  return ALGORITHM_COMMANDS.map(({ algorithm, add }) => ({
    id: algorithm.id,
    step: algorithm.step.plural,
    command: add({ program, train, surrogate }, context)
  }))
}

function optionOf(command: Command, flag: string): Option | undefined {
  return command.options.find((option) => option.long === flag)
}

describe('ALGORITHM_COMMANDS', () => {
  it('has one command for each shipped algorithm, and only for those', () => {
    const ids = ALGORITHM_COMMANDS.map((command) => command.algorithm.id)
    expect(new Set(ids).size).toBe(ids.length)
    const shipped = ALGORITHM_DESCRIPTORS.map((descriptor) => descriptor.id).filter(
      (id) => !WITHOUT_CLI_COMMAND.includes(id)
    )
    expect([...ids].sort()).toEqual([...shipped].sort())
    for (const command of ALGORITHM_COMMANDS) expect(command.algorithm).toBe(algorithmOf(command.algorithm.id))
  })

  it('adds each command under `dnpu`, `dnpu train` or `dnpu surrogate`, with a name of its own', () => {
    const commands = definedCommands()
    for (const { command } of commands) expect(['dnpu', 'train', 'surrogate']).toContain(command.parent?.name())
    const paths = commands.map(({ command }) => `${command.parent?.name()} ${command.name()}`)
    expect(new Set(paths).size).toBe(paths.length)
  })

  it("counts --stop-after in the algorithm's own steps", () => {
    for (const { id, step, command } of definedCommands()) {
      const stopAfter = optionOf(command, '--stop-after')
      expect(stopAfter, id).toBeDefined()
      expect(stopAfter!.description, id).toMatch(new RegExp(`once this many ${step} `))
    }
  })

  it('words the options they share the same way in every command', () => {
    const shared = ['--seed', '--data-dir', '--json', '--stop-after']
    for (const { id, command } of definedCommands()) {
      for (const flag of shared) expect(optionOf(command, flag), `${id} ${flag}`).toBeDefined()
      // Every algorithm that trains controls on a model takes it; surrogate training makes one.
      if (id !== 'surrogate') expect(optionOf(command, '--model'), `${id} --model`).toBeDefined()
    }
    for (const flag of ['--model', '--data-dir', '--json', '--data-electrodes', '--input-range', '--amplification']) {
      const texts = definedCommands()
        .map(({ command }) => optionOf(command, flag))
        .filter((option) => option !== undefined)
        .map((option) => `${option.flags}: ${option.description}`)
      expect(new Set(texts).size, flag).toBeLessThanOrEqual(1)
    }
  })
})
