/** Files in and out of the page, the same way in the Electron window and in a browser. */

/** Bytes per btoa call: a multiple of 3, so the parts have no padding and simply concatenate. */
const BASE64_CHUNK_BYTES = 3 * 8192

/**
 * Base64 of any number of bytes. Encoded in chunks: one `String.fromCharCode(...bytes)` over a
 * file of several MB would overflow the call stack.
 */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = []
  for (let offset = 0; offset < bytes.length; offset += BASE64_CHUNK_BYTES) {
    parts.push(btoa(String.fromCharCode(...bytes.subarray(offset, offset + BASE64_CHUNK_BYTES))))
  }
  return parts.join('')
}

/** Reads a picked or dropped file as base64. */
export async function fileToBase64(file: File): Promise<string> {
  return bytesToBase64(new Uint8Array(await file.arrayBuffer()))
}

/** Offers text to the user as a download named `fileName` (a save dialog in the app window). */
export function downloadText(fileName: string, text: string, type = 'application/json'): void {
  downloadBlob(fileName, new Blob([text], { type }))
}

/** The bytes of base64 text (what main sends for binary files over both transports). */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return bytes
}

/** Offers base64-encoded bytes as a download named `fileName`. */
export function downloadBase64(fileName: string, base64: string, type = 'application/octet-stream'): void {
  downloadBlob(fileName, new Blob([base64ToBytes(base64)], { type }))
}

/** Offers any content (a PNG, an SVG...) as a download named `fileName`. */
export function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const anchor = document.createElement('a')
  anchor.href = url
  anchor.download = fileName
  anchor.style.display = 'none'
  document.body.append(anchor)
  anchor.click()
  anchor.remove()
  // The download has taken its copy once the click is handled; give it a moment regardless.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** `1.2 MB`, `340 kB`, `512 bytes`. */
export function fileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(bytes < 10_000 ? 1 : 0)} kB`
  return `${(bytes / 1_000_000).toFixed(1)} MB`
}
