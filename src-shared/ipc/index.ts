/**
 * The IPC contract: request channels with their zod schemas, response types, events and the
 * method names the preload exposes. Main validates every request against its channel's schema
 * before a service sees it. The plain domain (`src-shared/domain`) is re-exported for callers
 * that speak the contract; core imports the domain directly and never this folder.
 */
export * from '../domain'
export * from './algorithms'
export * from './api-methods'
export * from './channel-handlers'
export * from './channels'
export * from './device-schemas'
export * from './events'
export * from './run-comparison'
export * from './run-sharing'
export * from './run-history-schemas'
export * from './model-checks'
export * from './sampling'
