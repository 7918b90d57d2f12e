/** The host-side instrument driver: transports, the connection and the driver. */
export * from './connection'
export * from './instrument-driver'
export * from './readout'
export * from './transport'
