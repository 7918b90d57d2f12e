/**
 * The instrument connection as every view sees it: one status kept up to date by main's
 * `device:status` events (connected, lost, failed, profile or calibration changed), plus
 * the connect / disconnect requests and their errors. Kept outside the views so that a lost
 * connection is noticed (and shown) whichever view is open.
 */
import type { DeviceStatus, PortInfo } from '../../../src-shared/ipc'
import { api, errorMessage, onConnectionRestored } from './api.svelte'

const UNKNOWN: DeviceStatus = {
  state: 'disconnected',
  portPath: null,
  identity: null,
  capabilities: null,
  profile: null,
  calibration: null,
  error: null,
  simulatorModelId: 'demo'
}

export interface PortChoice {
  path: string
  baudRate: number
}

class DeviceSession {
  status = $state.raw<DeviceStatus>(UNKNOWN)
  /** The first `device:status` answer has arrived. */
  loaded = $state(false)
  /** `device:status` could not be asked. */
  loadError = $state<string | null>(null)
  /** A connect or disconnect request is in flight. */
  busy = $state(false)
  /** Why the last connect or disconnect request failed. */
  requestError = $state<string | null>(null)
  /** The port last connected to (or tried), for Reconnect. */
  lastPort = $state.raw<PortChoice | null>(null)
  ports = $state.raw<PortInfo[]>([])
  portsError = $state<string | null>(null)
  listingPorts = $state(false)
  /** The last failure cut off a working connection (rather than a connection attempt). */
  lostConnection = $state(false)

  #subscribed = false

  get connected(): boolean {
    return this.status.state === 'connected'
  }

  /** Subscribes once for the app's lifetime and asks for the present status. */
  attach(): void {
    if (!this.#subscribed) {
      this.#subscribed = true
      api.onDeviceStatus((status) => this.#apply(status))
      onConnectionRestored(() => void this.refresh())
    }
    void this.refresh()
  }

  async refresh(): Promise<void> {
    try {
      this.#apply(await api.deviceStatus())
      this.loadError = null
    } catch (error) {
      this.loadError = errorMessage(error)
    } finally {
      this.loaded = true
    }
  }

  async listPorts(): Promise<void> {
    this.listingPorts = true
    try {
      this.ports = await api.listPorts()
      this.portsError = null
    } catch (error) {
      this.portsError = errorMessage(error)
    } finally {
      this.listingPorts = false
    }
  }

  async connect(port: PortChoice): Promise<boolean> {
    this.busy = true
    this.requestError = null
    this.lastPort = port
    // Shown at once; main's answer (or its event) replaces it.
    this.status = { ...this.status, state: 'connecting', portPath: port.path, error: null }
    try {
      this.#apply(await api.connectDevice(port))
      return this.status.state === 'connected'
    } catch (error) {
      this.requestError = errorMessage(error)
      // The attempt is over whatever main says next; never leave the badge on "connecting".
      if (this.status.state === 'connecting')
        this.status = { ...this.status, state: 'failed', error: this.requestError }
      return false
    } finally {
      this.busy = false
    }
  }

  /** Connects again to the port last used (or the one the lost connection was on). */
  reconnect(): Promise<boolean> {
    const path = this.lastPort?.path ?? this.status.portPath
    if (!path) {
      this.requestError = 'no port to reconnect to: choose one under Device'
      return Promise.resolve(false)
    }
    return this.connect({
      path,
      baudRate: this.lastPort?.baudRate ?? this.status.profile?.settings.port.baudRate ?? 115200
    })
  }

  async disconnect(): Promise<void> {
    this.busy = true
    this.requestError = null
    try {
      this.#apply(await api.disconnectDevice())
    } catch (error) {
      this.requestError = errorMessage(error)
    } finally {
      this.busy = false
    }
  }

  #apply(status: DeviceStatus): void {
    if (status.state === 'failed')
      this.lostConnection = this.status.state === 'connected' || (this.lostConnection && this.status.state === 'failed')
    else this.lostConnection = false
    this.status = status
    this.loaded = true
    if (status.portPath && status.state === 'connected') {
      this.lastPort = {
        path: status.portPath,
        baudRate: status.profile?.settings.port.baudRate ?? this.lastPort?.baudRate ?? 115200
      }
    }
  }
}

export const deviceSession = new DeviceSession()
