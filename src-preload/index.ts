/**
 * Preload: exposes the contract's named functions on `window.dnpu`, nothing generic.
 * Runs sandboxed (CommonJS bundle, only `electron` may be required).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { API_METHODS, EVENT_METHODS, PRELOAD_GLOBAL, type RawDnpuApi } from '../src-shared/ipc/api-methods'

const api: Record<string, unknown> = {}
for (const [method, channel] of Object.entries(API_METHODS)) {
  api[method] = (request: unknown) => ipcRenderer.invoke(channel, request ?? {})
}
for (const [method, event] of Object.entries(EVENT_METHODS)) {
  api[method] = (listener: (payload: unknown) => void) => {
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload)
    ipcRenderer.on(event, wrapped)
    return () => ipcRenderer.removeListener(event, wrapped)
  }
}

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, api as RawDnpuApi)
