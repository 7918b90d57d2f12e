import { EventEmitter } from 'node:events'
import type { App, BrowserWindow } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { bringToFront, claimSingleInstance } from './single-instance'

function fakeApp(lockObtained: boolean) {
  const app = Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: vi.fn(() => lockObtained),
    quit: vi.fn()
  })
  return app
}

describe('claimSingleInstance', () => {
  it('quits at once when another instance holds the lock, and listens to nothing', () => {
    const app = fakeApp(false)
    const onSecondInstance = vi.fn()
    expect(claimSingleInstance(app as unknown as App, onSecondInstance)).toBe(false)
    expect(app.quit).toHaveBeenCalledTimes(1)
    expect(app.listenerCount('second-instance')).toBe(0)
  })

  it('keeps running with the lock and hears of later launches', () => {
    const app = fakeApp(true)
    const onSecondInstance = vi.fn()
    expect(claimSingleInstance(app as unknown as App, onSecondInstance)).toBe(true)
    expect(app.quit).not.toHaveBeenCalled()
    app.emit('second-instance', {}, ['/opt/dnpu-lab', 'model.pt'], '/home/u', {})
    expect(onSecondInstance).toHaveBeenCalledWith(['/opt/dnpu-lab', 'model.pt'], '/home/u')
  })
})

describe('bringToFront', () => {
  function fakeWindow(state: { destroyed?: boolean; minimized?: boolean; visible?: boolean }) {
    return {
      isDestroyed: () => state.destroyed ?? false,
      isMinimized: () => state.minimized ?? false,
      isVisible: () => state.visible ?? true,
      restore: vi.fn(),
      show: vi.fn(),
      focus: vi.fn()
    }
  }

  it('restores a minimised window, shows a hidden one, and focuses it', () => {
    const window = fakeWindow({ minimized: true, visible: false })
    expect(bringToFront(window as unknown as BrowserWindow)).toBe(true)
    expect(window.restore).toHaveBeenCalled()
    expect(window.show).toHaveBeenCalled()
    expect(window.focus).toHaveBeenCalled()
  })

  it('only focuses a window already on screen', () => {
    const window = fakeWindow({})
    bringToFront(window as unknown as BrowserWindow)
    expect(window.restore).not.toHaveBeenCalled()
    expect(window.show).not.toHaveBeenCalled()
    expect(window.focus).toHaveBeenCalled()
  })

  it('says when there is no window to bring', () => {
    expect(bringToFront(null)).toBe(false)
    const destroyed = fakeWindow({ destroyed: true })
    expect(bringToFront(destroyed as unknown as BrowserWindow)).toBe(false)
    expect(destroyed.focus).not.toHaveBeenCalled()
  })
})
