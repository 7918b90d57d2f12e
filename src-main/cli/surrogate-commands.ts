/**
 * `dnpu surrogate ...`: surrogate models and the device. One group, each subcommand in a module
 * of its own that adds itself to it (check and checks for now).
 */
import type { Command } from 'commander'
import type { CliContext } from './program'
import { addSurrogateCheckCommands } from './surrogate-check-command'

export function addSurrogateCommands(program: Command, context: CliContext): Command {
  const surrogate = program.command('surrogate').description('surrogate models and the device they describe')
  addSurrogateCheckCommands(surrogate, context)
  return surrogate
}
