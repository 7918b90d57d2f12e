/**
 * The `dnpu` program before any command is added: its name, version and how usage errors end.
 * Its own module so the notebook commands' light entry (notebook-cli.ts) shares it without
 * loading the full program and the training engine behind it.
 */
import { Command } from 'commander'

export function createBaseProgram(version: string): Command {
  return new Command('dnpu')
    .description('DNPU Lab: train and manage dopant-network processing units from the command line')
    .version(version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride((error) => {
      // commander's own usage errors (unknown option, bad value): exit 2, help and version: 0.
      if (error.exitCode === 0) process.exit(0)
      process.exit(2)
    })
}
