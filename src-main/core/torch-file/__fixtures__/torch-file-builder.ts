// Test helper: writes brainspy-smg surrogate files in both torch.save layouts from a JS
// description, byte for byte as PyTorch lays them out (pickle protocol 2, persistent ids,
// storages), so tests can break exactly one thing at a time.
import { zipSync } from 'fflate';
import { PickleWriter, type PlainValue } from './pickle-writer.js';
import { TYPICAL_VOLTAGE_RANGES_VOLTS } from '../../__fixtures__/typical-voltage-ranges.js';

export interface TensorSpec {
  shape: number[];
  /** The whole storage's values (the tensor may cover part of it through storageOffset). */
  values: number[];
  dtype?: 'float32' | 'float64';
  stride?: number[];
  storageOffset?: number;
  /** Override the storage class, e.g. 'HalfStorage'. */
  storageType?: string;
  /** Legacy format only: make the tensor's storage a view (view_key, element offset, element count). */
  legacyView?: [string, number, number];
  /** The storage's element count as the pickle claims it (and a legacy file's count prefix), when it should lie. */
  claimedElementCount?: number;
}

export interface ModelSpec {
  /** undefined leaves the key out of the file. */
  info?: PlainValue;
  stateDict?: Record<string, TensorSpec>;
  /** Pickle the state dict alone as the root object (what torch.save(model.state_dict()) writes). */
  bare?: boolean;
}

export interface StorageBlob {
  key: string;
  bytes: Uint8Array;
  elementCount: number;
}

function contiguousStride(shape: number[]): number[] {
  const stride = new Array<number>(shape.length).fill(1);
  for (let dim = shape.length - 2; dim >= 0; dim -= 1) stride[dim] = stride[dim + 1]! * shape[dim + 1]!;
  return stride;
}

function storageBytes(spec: TensorSpec): Uint8Array {
  const array = spec.dtype === 'float64' ? Float64Array.from(spec.values) : Float32Array.from(spec.values);
  return new Uint8Array(array.buffer);
}

/** A 7-3-1 tanh model with round numbers; tests mutate copies of it. */
export function tinyModel(): { info: { [key: string]: PlainValue }; stateDict: Record<string, TensorSpec> } {
  const ramp = (count: number, scale: number, shift: number) => Array.from({ length: count }, (_, i) => (i % 11) * scale - shift);
  return {
    info: {
      model_structure: { D_in: 7, D_out: 1, hidden_sizes: [3], activation: 'tanh' },
      electrode_info: {
        electrode_no: 8,
        activation_electrodes: {
          electrode_no: 7,
          // A fresh copy: tests break the info they get back.
          voltage_ranges: TYPICAL_VOLTAGE_RANGES_VOLTS.map(([lo, hi]) => [lo, hi]),
        },
        output_electrodes: { electrode_no: 1, amplification: [10.5], clipping_value: [-50.5, 50.5] },
      },
    },
    stateDict: {
      'raw_model.0.weight': { shape: [3, 7], values: ramp(21, 0.125, 0.5) },
      'raw_model.0.bias': { shape: [3], values: [0.25, -0.25, 0.5] },
      'raw_model.2.weight': { shape: [1, 3], values: [1.5, -0.75, 0.5] },
      'raw_model.2.bias': { shape: [1], values: [0.125] },
    },
  };
}

/**
 * The object pickle of torch.save for {'info': ..., 'model_state_dict': OrderedDict(...)}.
 * Returns the storages in key order ("0", "1", ...), as torch numbers them.
 */
export function writeModelPickle(spec: ModelSpec, format: 'zip' | 'legacy', writer = new PickleWriter()): { pickle: Uint8Array; storages: StorageBlob[] } {
  const storages: StorageBlob[] = [];
  writer.proto(2);
  if (!spec.bare) writer.emptyDict().mark();
  if (spec.info !== undefined && !spec.bare) writer.str('info').value(spec.info);
  if (spec.stateDict !== undefined) {
    if (!spec.bare) writer.str('model_state_dict');
    writer.global('collections', 'OrderedDict').emptyTuple().reduce();
    const entries = Object.entries(spec.stateDict);
    if (entries.length > 0) {
      writer.mark();
      for (const [name, tensor] of entries) {
        const key = String(storages.length);
        const elementCount = tensor.claimedElementCount ?? tensor.values.length;
        storages.push({ key, bytes: storageBytes(tensor), elementCount });
        const storageType = tensor.storageType ?? (tensor.dtype === 'float64' ? 'DoubleStorage' : 'FloatStorage');
        writer.str(name).global('torch._utils', '_rebuild_tensor_v2').mark();
        writer.mark().str('storage').global('torch', storageType).str(key).str('cpu').int(elementCount);
        if (format === 'legacy' && tensor.legacyView) {
          const [viewKey, offset, count] = tensor.legacyView;
          writer.mark().str(viewKey).int(offset).int(count).tuple();
        } else if (format === 'legacy') {
          writer.none(); // view_metadata
        }
        writer.tuple().binpersid();
        writer.int(tensor.storageOffset ?? 0);
        writer.mark();
        tensor.shape.forEach((size) => writer.int(size));
        writer.tuple().mark();
        (tensor.stride ?? contiguousStride(tensor.shape)).forEach((step) => writer.int(step));
        writer.tuple().bool(false).global('collections', 'OrderedDict').emptyTuple().reduce();
        writer.tuple().reduce();
      }
      writer.setitems();
    }
  }
  if (!spec.bare) writer.setitems();
  writer.stop();
  return { pickle: writer.toBytes(), storages };
}

/** A stored (uncompressed) zip, as torch writes it; fflate fills in the CRCs. */
export function zipMembers(members: Record<string, Uint8Array>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(members).map(([name, bytes]) => [name, [bytes, { level: 0 }]])));
}

export interface ZipBuildOptions {
  archiveName?: string;
  /** Replace data.pkl with these bytes (the storages of `spec` are still written). */
  pickle?: Uint8Array;
  /** Member names (relative to the archive folder) to leave out, e.g. 'data/1'. */
  omit?: string[];
  extra?: Record<string, Uint8Array>;
}

export function buildTorchZip(spec: ModelSpec, options: ZipBuildOptions = {}): Uint8Array {
  const name = options.archiveName ?? 'model';
  const { pickle, storages } = writeModelPickle(spec, 'zip');
  const members: Record<string, Uint8Array> = { 'data.pkl': options.pickle ?? pickle };
  for (const storage of storages) members[`data/${storage.key}`] = storage.bytes;
  members['version'] = new TextEncoder().encode('3\n');
  for (const omitted of options.omit ?? []) delete members[omitted];
  Object.assign(members, options.extra ?? {});
  return zipMembers(Object.fromEntries(Object.entries(members).map(([member, bytes]) => [`${name}/${member}`, bytes])));
}

/** A pickle holding one plain value (the legacy header pieces and key list). */
function plainPickle(write: (writer: PickleWriter) => void): Uint8Array {
  const writer = new PickleWriter().proto(2);
  write(writer);
  return writer.stop().toBytes();
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** The pre-1.6 layout: magic, protocol, sys_info, object, key list, then count-prefixed storages. */
export function buildLegacyTorchFile(spec: ModelSpec): Uint8Array {
  const { pickle, storages } = writeModelPickle(spec, 'legacy');
  const counted = storages.flatMap((storage) => {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigInt64(0, BigInt(storage.elementCount), true);
    return [count, storage.bytes];
  });
  return concat([
    plainPickle((w) => w.int(LEGACY_MAGIC)),
    plainPickle((w) => w.int(1001)),
    plainPickle((w) => w.value({ protocol_version: 1001, little_endian: true, type_sizes: { short: 2, int: 4, long: 4 } })),
    pickle,
    plainPickle((w) => w.value(storages.map((storage) => storage.key))),
    ...counted,
  ]);
}
