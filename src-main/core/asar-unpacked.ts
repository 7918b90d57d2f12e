/**
 * Where a file that must be a real file on disk lives in a packaged app.
 *
 * electron-builder packs the app into `<resources>/app.asar`; files listed in its `asarUnpack`
 * are written to `<resources>/app.asar.unpacked` at the same relative path. Electron's own fs
 * serves both through the archive's path, but a reader that needs the real file (the WebAssembly
 * loader of tfjs, possibly in a worker thread) must be given the unpacked path. A path with no
 * `.asar` folder (a clone, an extracted copy, the CLI under Node) is returned unchanged, as is a
 * path that already points into `app.asar.unpacked`.
 */
const ASAR_FOLDER = /\.asar(?=[\\/]|$)/

export function toUnpackedPath(path: string): string {
  return path.replace(ASAR_FOLDER, '.asar.unpacked')
}
