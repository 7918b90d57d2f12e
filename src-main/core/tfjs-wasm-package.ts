/**
 * The package whose dist folder holds tfjs's .wasm binaries (electron-builder.yml unpacks them).
 * A module of its own so that resolving paths (the CLI's light entry) does not load tfjs.
 */
export const TFJS_WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm'
