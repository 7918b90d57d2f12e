import { describe, expect, it } from 'vitest'
import { defaultDataFolder, resolveDataFolder } from './data-folder'

describe('data folder', () => {
  it('prefers --data-dir, then DNPU_DATA_DIR, then the OS default', () => {
    expect(resolveDataFolder('/x', { DNPU_DATA_DIR: '/y' })).toBe('/x')
    expect(resolveDataFolder(undefined, { DNPU_DATA_DIR: '/y' })).toBe('/y')
    expect(resolveDataFolder(undefined, { XDG_CONFIG_HOME: '/cfg' })).toBe(
      defaultDataFolder(process.platform, { XDG_CONFIG_HOME: '/cfg' })
    )
  })

  it('refuses an empty --data-dir instead of falling back to the real folder', () => {
    expect(() => resolveDataFolder('', { DNPU_DATA_DIR: '/y' })).toThrow(
      '--data-dir must name a folder, got an empty value'
    )
    expect(() => resolveDataFolder('  ', {})).toThrow(/empty value/)
  })

  it('matches Electron userData locations for the product name', () => {
    expect(defaultDataFolder('linux', { XDG_CONFIG_HOME: '/home/u/.config' })).toBe('/home/u/.config/DNPU Lab')
    expect(defaultDataFolder('win32', { APPDATA: 'C:/Users/u/AppData/Roaming' })).toMatch(/Roaming[\\/]DNPU Lab$/)
    expect(defaultDataFolder('darwin', {})).toMatch(/Library[\\/]Application Support[\\/]DNPU Lab$/)
  })
})
