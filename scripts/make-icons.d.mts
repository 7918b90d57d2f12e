// Types of scripts/make-icons.mjs for the TypeScript tests that read its drawing.
export declare const PNG_SIZES_PX: number[]
export declare const ICO_SIZES_PX: number[]
export declare const ICNS_ENTRIES: [type: string, sizePx: number][]
export declare function rasterise(sizePx: number): Uint8Array
export declare function encodePng(sizePx: number, pixels: Uint8Array): Buffer
export declare function encodeIco(pngs: [sizePx: number, bytes: Buffer][]): Buffer
export declare function encodeIcns(entries: [type: string, bytes: Buffer][]): Buffer
export declare function iconSvg(): string
export declare function writeIcons(outputFolder: string): void
