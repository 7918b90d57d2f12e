/**
 * The framing and size checks of WAV:DATA (-109, -160, -223), before the instrument looks at its
 * state or the stream's content: one definite-length block of whole float32 samples for every
 * activation channel, nothing around it, no more samples than the instrument holds.
 */
import { float32LeValues } from '../protocol/block'
import type { ErrorCode } from './error-queue'
import type { CommandUnit } from './scpi-syntax'

export type UploadFrame =
  | { ok: true; values: Float32Array; byteCount: number }
  | { ok: false; code: ErrorCode; detail: string; values: Float32Array | null; byteCount: number | null }

export function readUploadFrame(
  unit: CommandUnit,
  parameterText: string,
  channelCount: number,
  maxPointsPerChannel: number
): UploadFrame {
  const reject = (
    code: ErrorCode,
    detail: string,
    values: Float32Array | null,
    byteCount: number | null
  ): UploadFrame => ({ ok: false, code, detail, values, byteCount })
  const blockForm = 'a definite-length block #<n><L><bytes>'
  if (unit.blocks.length === 0) {
    if (parameterText.trim() === '') return reject(-109, `WAV:DATA needs ${blockForm}`, null, null)
    return reject(-160, `WAV:DATA needs ${blockForm}, got "${parameterText.trim().slice(0, 20)}"`, null, null)
  }
  if (parameterText.trim() !== '')
    return reject(-160, `unexpected "${parameterText.trim().slice(0, 20)}" before the block`, null, null)
  if (unit.blocks.length > 1) return reject(-160, 'WAV:DATA takes one block, got several', null, null)
  const block = unit.blocks[0]!
  const byteCount = block instanceof Uint8Array ? block.length : block.skippedByteCount
  if (unit.textAfter.trim() !== '') return reject(-160, 'bytes after the block', null, byteCount)
  if (byteCount === 0) return reject(-160, 'the block is empty (L = 0)', null, 0)
  if (byteCount % (4 * channelCount) !== 0)
    return reject(-160, `L = ${byteCount} is not a multiple of 4 x ${channelCount} channels`, null, byteCount)
  const samplesPerChannel = byteCount / (4 * channelCount)
  const values = block instanceof Uint8Array ? float32LeValues(block) : null
  if (samplesPerChannel > maxPointsPerChannel || !values) {
    return reject(-223, `${samplesPerChannel} samples per channel, at most ${maxPointsPerChannel}`, values, byteCount)
  }
  return { ok: true, values, byteCount }
}
