/** The pure protocol module: formatting, parsing and block codec, no I/O. */
export * from './answers'
export * from './block'
export * as commands from './commands'
export { formatCommand, type Command } from './commands'
export * from './errors'
export * from './frame-reader'
export * from './numbers'
