/**
 * The error the CLI's commands throw for their users. Its own module (program.ts re-exports it)
 * so that a command's definition can be loaded without the commands' runners and the trainer
 * worker they pull in (the algorithm commands' unit tests do).
 */

/** An error with the exit code the CLI should end with (2: bad usage or input). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2
  ) {
    super(message)
  }
}
