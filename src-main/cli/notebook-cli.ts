/**
 * The light entry of the run-history commands (`runs list | tag | note | star | rename |
 * delete`): they read and write the runs table only, so they load commander, the store and the
 * contract's schemas, never the training engine the full program pulls in (its tensor backend
 * alone takes over a second to load). `dnpu runs list` then answers in well under that.
 */
import type { Command } from 'commander'
import { createBaseProgram } from './program-base'
import { addRunsListCommand } from './runs-list-command'
import { addRunsNotebookCommands } from './runs-notebook-commands'

export const NOTEBOOK_SUBCOMMANDS = ['list', 'tag', 'note', 'star', 'rename', 'delete'] as const

/** Whether the arguments (after `node dnpu`) name a run-history command; help goes to the full program. */
export function isNotebookInvocation(args: readonly string[]): boolean {
  return args[0] === 'runs' && (NOTEBOOK_SUBCOMMANDS as readonly string[]).includes(args[1] ?? '')
}

export function buildNotebookProgram(version: string): Command {
  const program = createBaseProgram(version)
  const runs = program.command('runs').description('runs stored in the database')
  addRunsListCommand(runs)
  addRunsNotebookCommands(runs)
  return program
}
