/**
 * The shared domain: plain constants and types that core, services, the CLI and the renderer all
 * use. Nothing here validates or transports anything (that is `src-shared/ipc`), and nothing here
 * imports from outside this folder.
 */
export * from './algorithms'
export * from './instrument'
export * from './limits'
export * from './names'
export * from './runs'
export * from './run-history'
export * from './surrogate'
