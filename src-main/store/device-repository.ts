/**
 * Device profiles (one per instrument identity) and their versioned calibrations.
 * A calibration is never edited: saving makes a new version and activates it, so the
 * calibration a run refers to always means the ranges it ran under.
 */
import type BetterSqlite3 from 'better-sqlite3'
import type {
  Calibration,
  CalibrationElectrode,
  DeviceProfile,
  DeviceSettings,
  InstrumentIdentity,
  RangeOverride
} from '../../src-shared/ipc'

type Database = BetterSqlite3.Database

interface ProfileRow {
  id: number
  name: string
  maker: string
  model: string
  serial: string
  firmware: string
  settings_json: string
  active_calibration_id: number | null
  created_at: string
  updated_at: string
}

interface CalibrationRow {
  id: number
  profile_id: number
  version: number
  created_at: string
  notes: string
  electrodes_json: string
  range_override_json: string | null
  measurement_id: number | null
}

function toProfile(row: ProfileRow): DeviceProfile {
  return {
    id: row.id,
    name: row.name,
    identity: { maker: row.maker, model: row.model, serial: row.serial, firmware: row.firmware },
    settings: JSON.parse(row.settings_json) as DeviceSettings,
    activeCalibrationId: row.active_calibration_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }
}

function toCalibration(row: CalibrationRow): Calibration {
  return {
    id: row.id,
    profileId: row.profile_id,
    version: row.version,
    createdAt: row.created_at,
    notes: row.notes,
    electrodes: JSON.parse(row.electrodes_json) as CalibrationElectrode[],
    rangeOverride: row.range_override_json ? (JSON.parse(row.range_override_json) as RangeOverride) : null,
    measurementId: row.measurement_id
  }
}

export interface NewCalibration {
  profileId: number
  notes: string
  electrodes: CalibrationElectrode[]
  rangeOverride: RangeOverride | null
  measurementId: number | null
  createdAt?: Date
}

export class DeviceRepository {
  constructor(private readonly db: Database) {}

  /**
   * The profile of this instrument (matched on maker, model and serial), created with
   * `defaults` the first time it connects. A firmware change is recorded, nothing else changes.
   */
  profileForIdentity(
    identity: InstrumentIdentity,
    defaults: () => { name: string; settings: DeviceSettings }
  ): DeviceProfile {
    return this.db
      .transaction(() => {
        const existing = this.db
          .prepare<[string, string, string], ProfileRow>(
            'SELECT * FROM device_profiles WHERE maker = ? AND model = ? AND serial = ?'
          )
          .get(identity.maker, identity.model, identity.serial)
        const now = new Date().toISOString()
        if (existing) {
          if (existing.firmware !== identity.firmware) {
            this.db
              .prepare('UPDATE device_profiles SET firmware = ?, updated_at = ? WHERE id = ?')
              .run(identity.firmware, now, existing.id)
          }
          return this.getProfile(existing.id)!
        }
        const { name, settings } = defaults()
        const result = this.db
          .prepare(
            `INSERT INTO device_profiles (name, maker, model, serial, firmware, settings_json, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
          )
          .run(
            name,
            identity.maker,
            identity.model,
            identity.serial,
            identity.firmware,
            JSON.stringify(settings),
            now,
            now
          )
        return this.getProfile(Number(result.lastInsertRowid))!
      })
      .immediate()
  }

  getProfile(id: number): DeviceProfile | null {
    const row = this.db.prepare<[number], ProfileRow>('SELECT * FROM device_profiles WHERE id = ?').get(id)
    return row ? toProfile(row) : null
  }

  listProfiles(): DeviceProfile[] {
    return this.db.prepare<[], ProfileRow>('SELECT * FROM device_profiles ORDER BY id').all().map(toProfile)
  }

  saveProfile(id: number, name: string, settings: DeviceSettings): DeviceProfile {
    const trimmed = name.trim()
    if (trimmed === '') throw new Error('name: a device profile needs a name')
    const changes = this.db
      .prepare('UPDATE device_profiles SET name = ?, settings_json = ?, updated_at = ? WHERE id = ?')
      .run(trimmed, JSON.stringify(settings), new Date().toISOString(), id).changes
    if (changes === 0) throw new Error(`profileId: no device profile ${id}`)
    return this.getProfile(id)!
  }

  /** Stores the next version for the profile and makes it the active calibration. */
  addCalibration(calibration: NewCalibration): Calibration {
    return this.db
      .transaction(() => {
        if (!this.getProfile(calibration.profileId))
          throw new Error(`profileId: no device profile ${calibration.profileId}`)
        const version =
          (this.db
            .prepare<[number], number>('SELECT COALESCE(MAX(version), 0) FROM calibrations WHERE profile_id = ?')
            .pluck()
            .get(calibration.profileId) ?? 0) + 1
        const result = this.db
          .prepare(
            `INSERT INTO calibrations (profile_id, version, created_at, notes, electrodes_json, range_override_json, measurement_id)
           VALUES (?, ?, ?, ?, ?, ?, ?)`
          )
          .run(
            calibration.profileId,
            version,
            (calibration.createdAt ?? new Date()).toISOString(),
            calibration.notes,
            JSON.stringify(calibration.electrodes),
            calibration.rangeOverride ? JSON.stringify(calibration.rangeOverride) : null,
            calibration.measurementId
          )
        const id = Number(result.lastInsertRowid)
        this.db
          .prepare('UPDATE device_profiles SET active_calibration_id = ?, updated_at = ? WHERE id = ?')
          .run(id, new Date().toISOString(), calibration.profileId)
        return this.getCalibration(id)!
      })
      .immediate()
  }

  getCalibration(id: number): Calibration | null {
    const row = this.db.prepare<[number], CalibrationRow>('SELECT * FROM calibrations WHERE id = ?').get(id)
    return row ? toCalibration(row) : null
  }

  /** Newest version first. */
  listCalibrations(profileId: number): Calibration[] {
    return this.db
      .prepare<[number], CalibrationRow>('SELECT * FROM calibrations WHERE profile_id = ? ORDER BY version DESC')
      .all(profileId)
      .map(toCalibration)
  }

  activeCalibration(profileId: number): Calibration | null {
    const profile = this.getProfile(profileId)
    return profile?.activeCalibrationId ? this.getCalibration(profile.activeCalibrationId) : null
  }

  /** Makes an older (or newer) version the one training and the interlock use. */
  activateCalibration(calibrationId: number): Calibration {
    const calibration = this.getCalibration(calibrationId)
    if (!calibration) throw new Error(`calibrationId: no calibration ${calibrationId}`)
    this.db
      .prepare('UPDATE device_profiles SET active_calibration_id = ?, updated_at = ? WHERE id = ?')
      .run(calibrationId, new Date().toISOString(), calibration.profileId)
    return calibration
  }
}
