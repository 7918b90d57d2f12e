/**
 * The app's face of run bundles (`runs:bundle-export`, `runs:bundle-import`): the same functions
 * the CLI calls, on the app's open database. A bundle is read whole and checked (every bound
 * before allocating) before one transaction writes it.
 */
import type { RunBundleFile, RunBundleImport } from '../../../src-shared/ipc/run-sharing'
import type { Database } from '../../store'
import { exportRunBundle, importRunBundle } from './index'

export class RunBundles {
  constructor(
    private readonly db: Database,
    private readonly appVersion: string
  ) {}

  export(runIds: readonly number[]): RunBundleFile {
    return exportRunBundle(this.db, runIds, this.appVersion)
  }

  import(fileName: string, bytes: Uint8Array): RunBundleImport {
    return importRunBundle(this.db, fileName, bytes)
  }
}
