// Test helper: hostile torch files, each built to exhaust one resource of the importer (time,
// memory, call stack) from a small file: opcode floods, deflate bombs, huge claims, deep nesting,
// self-references. Big inflated contents are never materialised here: a chunk is deflated once
// with a full flush (which byte-aligns the stream and resets the window, so compressed chunks
// can be concatenated) and repeated, so a 150 MB pickle costs ~150 KB and no 150 MB buffer.
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { OP } from '../pickle-opcodes.js';
import { PickleWriter } from './pickle-writer.js';
import { concat, LEGACY_MAGIC, tinyModel, writeModelPickle, type ModelSpec, type TensorSpec } from './torch-file-builder.js';

const MIB = 1 << 20;
const GIB = 1 << 30;
const ARCHIVE = 'archive';
const VERSION = new TextEncoder().encode('3\n');

/** A raw deflate stream with the size and CRC-32 of what it inflates to. */
export interface DeflatedContent {
  deflated: Uint8Array;
  inflatedBytes: number;
  crc32: number;
}

/** Pieces of content in order; a piece with `repeat` stands for its bytes that many times over. */
export interface ContentPiece {
  bytes: Uint8Array | readonly number[];
  repeat?: number;
}

function tile(bytes: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(bytes.length * times);
  for (let i = 0; i < times; i += 1) out.set(bytes, i * bytes.length);
  return out;
}

/** The pieces one after the other, as one buffer (for the stored, uncompressed layouts). */
export function joinPieces(pieces: readonly ContentPiece[]): Uint8Array {
  return concat(pieces.map(({ bytes, repeat = 1 }) => tile(Uint8Array.from(bytes), repeat)));
}

/** Deflates the pieces as one stream, repeating the compressed form of each repeated chunk. */
export function deflatePieces(pieces: readonly ContentPiece[]): DeflatedContent {
  const parts: Uint8Array[] = [];
  let inflatedBytes = 0;
  let crc = 0;
  const flushed = (bytes: Uint8Array) => new Uint8Array(deflateRawSync(bytes, { level: 9, finishFlush: constants.Z_FULL_FLUSH }));
  for (const piece of pieces) {
    const bytes = Uint8Array.from(piece.bytes);
    const repeat = piece.repeat ?? 1;
    // Chunks of about 1 MiB: few repetitions to make, and each one cheap.
    const perChunk = Math.max(1, Math.min(repeat, Math.floor(MIB / Math.max(1, bytes.length))));
    const chunk = tile(bytes, perChunk);
    const chunkDeflated = flushed(chunk);
    const chunkCount = Math.floor(repeat / perChunk);
    for (let i = 0; i < chunkCount; i += 1) {
      parts.push(chunkDeflated);
      crc = crc32(chunk, crc);
    }
    const rest = repeat - chunkCount * perChunk;
    if (rest > 0) {
      const restBytes = tile(bytes, rest);
      parts.push(flushed(restBytes));
      crc = crc32(restBytes, crc);
    }
    inflatedBytes += bytes.length * repeat;
  }
  parts.push(new Uint8Array(deflateRawSync(new Uint8Array(0)))); // the final (empty) block
  return { deflated: concat(parts), inflatedBytes, crc32: crc >>> 0 };
}

export interface RawZipMember {
  name: string;
  /** Stored bytes, or a deflate stream (then `deflated` gives its true size and CRC). */
  data: Uint8Array;
  deflated?: Omit<DeflatedContent, 'deflated'>;
  /** The uncompressed size written in the headers, when it should lie. */
  declaredBytes?: number;
}

function le(byteCount: number, value: number | bigint): number[] {
  const out: number[] = [];
  let rest = BigInt(value);
  for (let i = 0; i < byteCount; i += 1) {
    out.push(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return out;
}

export interface RawZipOptions {
  /** The entry count written in the end records, when it should lie. */
  claimedEntryCount?: number | bigint;
  /** Write zip64 end records (as PyTorch does); needed to claim more than 65,535 entries. */
  zip64?: boolean;
}

/**
 * A zip archive written field by field, so that sizes, CRCs and counts can be whatever a test
 * needs (fflate's zipSync always tells the truth).
 */
export function rawZip(members: readonly RawZipMember[], options: RawZipOptions = {}): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const member of members) {
    const name = encoder.encode(member.name);
    const method = member.deflated ? 8 : 0;
    const size = member.declaredBytes ?? member.deflated?.inflatedBytes ?? member.data.length;
    const crc = member.deflated ? member.deflated.crc32 : crc32(member.data) >>> 0;
    // version needed, flags, method, time, date, CRC, compressed size, size, name length, extra length
    const common = [...le(2, 20), ...le(2, 0), ...le(2, method), ...le(2, 0), ...le(2, 0x21), ...le(4, crc), ...le(4, member.data.length), ...le(4, size), ...le(2, name.length), ...le(2, 0)];
    const local = Uint8Array.from([...le(4, 0x04034b50), ...common, ...name]);
    // version made by, the common fields, comment length, disk, internal and external attributes, offset
    central.push(Uint8Array.from([...le(4, 0x02014b50), ...le(2, 20), ...common, ...le(2, 0), ...le(2, 0), ...le(2, 0), ...le(4, 0), ...le(4, offset), ...name]));
    parts.push(local, member.data);
    offset += local.length + member.data.length;
  }
  const directory = concat(central);
  const entryCount = options.claimedEntryCount ?? members.length;
  const tail: number[] = [];
  if (options.zip64) {
    const zip64End = offset + directory.length;
    tail.push(...le(4, 0x06064b50), ...le(8, 44), ...le(2, 45), ...le(2, 45), ...le(4, 0), ...le(4, 0));
    tail.push(...le(8, entryCount), ...le(8, entryCount), ...le(8, directory.length), ...le(8, offset));
    tail.push(...le(4, 0x07064b50), ...le(4, 0), ...le(8, zip64End), ...le(4, 1));
  }
  const shortCount = options.zip64 ? 0xffff : Number(entryCount) & 0xffff;
  tail.push(...le(4, 0x06054b50), ...le(2, 0), ...le(2, 0), ...le(2, shortCount), ...le(2, shortCount), ...le(4, directory.length), ...le(4, offset), ...le(2, 0));
  return concat([...parts, directory, Uint8Array.from(tail)]);
}

function deflatedMember(name: string, content: DeflatedContent, declaredBytes?: number): RawZipMember {
  return { name, data: content.deflated, deflated: content, declaredBytes };
}

/** archive/data.pkl (deflated), archive/version and any further members. */
function torchZip(pickle: DeflatedContent, extra: RawZipMember[] = [], declaredPickleBytes?: number): Uint8Array {
  return rawZip([deflatedMember(`${ARCHIVE}/data.pkl`, pickle, declaredPickleBytes), { name: `${ARCHIVE}/version`, data: VERSION }, ...extra]);
}

const PROTO_2 = [OP.PROTO, 2];

/** PROTO 2, `head`, then `body` repeated `times`, then `tail` and STOP. */
function floodPieces(head: readonly number[], body: readonly number[], times: number, tail: readonly number[] = []): ContentPiece[] {
  return [{ bytes: [...PROTO_2, ...head] }, { bytes: body, repeat: times }, { bytes: [...tail, OP.STOP] }];
}

/** A torch zip whose data.pkl is a flood (deflated). */
function zipFlood(head: readonly number[], body: readonly number[], times: number, tail: readonly number[] = []): Uint8Array {
  return torchZip(deflatePieces(floodPieces(head, body, times, tail)));
}

/** The legacy layout's three header pickles (magic, protocol 1001, sys_info). */
function legacyHeader(): Uint8Array {
  const plain = (write: (writer: PickleWriter) => void) => {
    const writer = new PickleWriter().proto(2);
    write(writer);
    return writer.stop().toBytes();
  };
  return concat([
    plain((w) => w.int(LEGACY_MAGIC)),
    plain((w) => w.int(1001)),
    plain((w) => w.value({ protocol_version: 1001, little_endian: true, type_sizes: { short: 2, int: 4, long: 4 } })),
  ]);
}

/** A legacy file whose object pickle is `objectPickle`, with an empty storage key list after it. */
function legacyWith(objectPickle: Uint8Array): Uint8Array {
  return concat([legacyHeader(), objectPickle, new PickleWriter().proto(2).emptyList().stop().toBytes()]);
}

/** A legacy file whose object pickle is a flood (stored as is: the legacy format has no compression). */
function legacyFlood(body: readonly number[], times: number): Uint8Array {
  return legacyWith(joinPieces(floodPieces([], body, times)));
}

/**
 * The tiny valid model, its info replaced by `head` + `body` x `times` + `tail` (which must leave
 * one value on the stack), data.pkl deflated, with the model's storages.
 */
function zipModelWithInfo(head: readonly number[], body: readonly number[] = [], times = 0, tail: readonly number[] = []): Uint8Array {
  const { pickle, storages } = writeModelPickle({ stateDict: tinyModel().stateDict }, 'zip');
  // writeModelPickle wrote PROTO 2, EMPTY_DICT, MARK, then the state dict: put the info in between.
  const opening = [...pickle.subarray(0, 4), ...new PickleWriter().str('info').toBytes()];
  const content = deflatePieces([{ bytes: [...opening, ...head] }, { bytes: body, repeat: times }, { bytes: [...tail, ...pickle.subarray(4)] }]);
  return torchZip(
    content,
    storages.map((storage) => ({ name: `${ARCHIVE}/data/${storage.key}`, data: storage.bytes })),
  );
}

/** The tiny valid model with one tensor changed, in either layout. */
function modelWithTensor(name: string, tensor: TensorSpec, format: 'zip' | 'legacy'): Uint8Array {
  const spec: ModelSpec = tinyModel();
  spec.stateDict![name] = tensor;
  const { pickle, storages } = writeModelPickle(spec, format);
  if (format === 'zip') {
    return rawZip([
      { name: `${ARCHIVE}/data.pkl`, data: pickle },
      { name: `${ARCHIVE}/version`, data: VERSION },
      ...storages.map((storage) => ({ name: `${ARCHIVE}/data/${storage.key}`, data: storage.bytes })),
    ]);
  }
  const keyList = new PickleWriter().proto(2).value(storages.map((storage) => storage.key)).stop().toBytes();
  const counted = storages.flatMap((storage) => {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigInt64(0, BigInt(storage.elementCount), true);
    return [count, storage.bytes];
  });
  return concat([legacyHeader(), pickle, keyList, ...counted]);
}

function u32le(value: number): number[] {
  return le(4, value);
}

/** Opcodes of `_rebuild_tensor_v2(storage(key, numel), 0, (numel,), (1,), False, OrderedDict())`. */
function tensorOpcodes(key: string, elementCount: number): number[] {
  const writer = new PickleWriter().global('torch._utils', '_rebuild_tensor_v2').mark();
  writer.mark().str('storage').global('torch', 'FloatStorage').str(key).str('cpu').int(elementCount).tuple().binpersid();
  writer.int(0).mark().int(elementCount).tuple().mark().int(1).tuple().bool(false);
  writer.global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  return [...writer.toBytes()];
}

export interface HostileFile {
  /** What it is, for test names and reports. */
  description: string;
  build(): Uint8Array;
  /** The refusal the importer must give: the limit it names and the value. */
  refusal: RegExp;
}

/**
 * Every hostile file, by name. Each is small (at most a few MB) and built in well under a second;
 * the importer before its limits aborted, hung or took gigabytes on most of them.
 */
export const HOSTILE_FILES: Record<string, HostileFile> = {
  'none-flood': {
    description: 'data.pkl of 150 M NONE opcodes, deflated to ~150 KB (the file of issue 9)',
    build: () => zipFlood([], [OP.NONE], 150_000_000),
    refusal: /archive\/data\.pkl is 150,000,003 bytes \(limit: 67,108,864 \(64 MiB\) bytes per pickle\)/,
  },
  'stack-flood': {
    description: 'data.pkl of 2 M NONE opcodes, all left on the stack',
    build: () => zipFlood([], [OP.NONE], 2_000_000),
    refusal: /archive\/data\.pkl puts more than 1,000,000 values on the pickle stack \(NONE at byte 1000002\) \(limit: 1,000,000 values on the pickle stack\)/,
  },
  'none-flood-1gb': {
    description: 'data.pkl of 1,000 M NONE opcodes, deflated to ~1 MB',
    build: () => zipFlood([], [OP.NONE], 1_000_000_000),
    refusal: /archive\/data\.pkl is 1,000,000,003 bytes \(limit: 67,108,864 \(64 MiB\) bytes per pickle\)/,
  },
  'mark-flood': {
    description: 'data.pkl of 20 M MARK opcodes, deflated to ~20 KB',
    build: () => zipFlood([], [OP.MARK], 20_000_000),
    refusal: /opens more than 1,000 MARKs at once.*limit: 1,000 nested pickle MARKs/,
  },
  'opcode-flood': {
    description: 'data.pkl of 60 M opcodes (NONE, POP) that neither grow the stack nor the memo',
    build: () => zipFlood([], [OP.NONE, OP.POP], 30_000_000),
    refusal: /the file runs more than 10,000,000 pickle opcodes.*limit: 10,000,000 pickle opcodes per file/,
  },
  'memo-flood': {
    description: 'data.pkl storing 2 M memo entries',
    build: () => zipFlood([], [OP.NONE, OP.MEMOIZE, OP.POP], 2_000_000),
    refusal: /stores more than 1,000,000 entries in its memo.*limit: 1,000,000 pickle memo entries/,
  },
  'wide-list': {
    description: 'a list of 2 M items appended one by one',
    build: () => zipFlood([OP.EMPTY_LIST], [OP.NONE, OP.APPEND], 2_000_000),
    refusal: /builds a list, tuple or dict of 1,000,001 items.*limit: 1,000,000 items in one list, tuple or dict/,
  },
  'object-flood': {
    description: '2 M empty dicts appended to a list',
    build: () => zipFlood([OP.EMPTY_LIST], [OP.EMPTY_DICT, OP.APPEND], 2_000_000),
    refusal: /builds more than 250,000 lists, tuples, dicts and objects.*limit: 250,000 pickled lists, tuples, dicts and objects per file/,
  },
  'deep-nesting': {
    description: 'lists nested 1 M deep with a stack of one item (the memo carries the chain)',
    build: () => zipModelWithInfo([OP.EMPTY_LIST, OP.BINPUT, 0], [OP.BINGET, 0, OP.EMPTY_LIST, OP.BINPUT, 0, OP.APPEND, OP.POP], 1_000_000),
    refusal: /builds more than 250,000 lists, tuples, dicts and objects/,
  },
  'deep-info': {
    description: 'an info of lists nested 100,000 deep',
    build: () => zipModelWithInfo([OP.EMPTY_LIST, OP.BINPUT, 0], [OP.BINGET, 0, OP.EMPTY_LIST, OP.BINPUT, 0, OP.APPEND, OP.POP], 100_000),
    refusal: /info is nested more than 100 levels deep \(limit: 100 levels of nesting in info\)/,
  },
  'deep-nesting-on-stack': {
    description: '2 M empty lists pushed, to be appended each into the one before',
    build: () => torchZip(deflatePieces(floodPieces([], [OP.EMPTY_LIST], 2_000_000, [OP.APPEND]))),
    // Each list is an object: the object limit stops it long before the stack's.
    refusal: /builds more than 250,000 lists, tuples, dicts and objects/,
  },
  'self-referencing-list': {
    description: 'an info holding a list that contains itself',
    build: () => zipModelWithInfo([OP.EMPTY_DICT, ...new PickleWriter().str('loop').toBytes(), OP.EMPTY_LIST, OP.BINPUT, 0, OP.BINGET, 0, OP.APPEND, OP.SETITEM]),
    refusal: /^info\.loop\[0\] contains itself \(a reference cycle\)$/,
  },
  'self-referencing-dict': {
    description: 'an info dict that contains itself',
    build: () => zipModelWithInfo([OP.EMPTY_DICT, OP.BINPUT, 0, ...new PickleWriter().str('self').toBytes(), OP.BINGET, 0, OP.SETITEM]),
    refusal: /^info\.self contains itself \(a reference cycle\)$/,
  },
  'shared-reference-explosion': {
    description: 'an info of 60 levels, each a list of two references to the level below (2^60 values once expanded)',
    build: () => zipModelWithInfo([OP.EMPTY_LIST], [OP.BINPUT, 0, OP.POP, OP.MARK, OP.BINGET, 0, OP.BINGET, 0, OP.LIST], 60),
    refusal: /info expands to more than 1,000,000 values \(limit: 1,000,000 values in info\)/,
  },
  'self-referencing-shape': {
    description: "a tensor whose shape is a list that contains itself",
    build: () => {
      const tensor = tensorOpcodes('0', 21);
      // Replace the shape tuple (MARK, BININT1 21, TUPLE) by a self-containing list.
      const shape = [OP.MARK, OP.BININT1, 21, OP.TUPLE];
      const at = tensor.findIndex((_, i) => shape.every((byte, j) => tensor[i + j] === byte));
      tensor.splice(at, shape.length, OP.EMPTY_LIST, OP.BINPUT, 7, OP.BINGET, 7, OP.APPEND);
      return torchZip(deflatePieces([{ bytes: [...PROTO_2, ...tensor, OP.STOP] }]), [{ name: `${ARCHIVE}/data/0`, data: new Uint8Array(84) }]);
    },
    refusal: /a tensor's shape holds a list, not a non-negative integer/,
  },
  'self-referencing-persistent-id': {
    description: 'a persistent id whose kind is a list that contains itself',
    build: () => torchZip(deflatePieces([{ bytes: [...PROTO_2, OP.EMPTY_LIST, OP.BINPUT, 0, OP.BINGET, 0, OP.APPEND, OP.TUPLE1, OP.BINPERSID, OP.STOP] }])),
    refusal: /the file has a persistent id of kind a list; only tensor storages are supported/,
  },
  'deeply-nested-shape': {
    description: 'a tensor whose shape holds lists nested 200,000 deep',
    build: () => {
      const tensor = tensorOpcodes('0', 21);
      const shape = [OP.MARK, OP.BININT1, 21, OP.TUPLE];
      const at = tensor.findIndex((_, i) => shape.every((byte, j) => tensor[i + j] === byte));
      const head = [...PROTO_2, ...tensor.slice(0, at), OP.MARK, OP.EMPTY_LIST, OP.BINPUT, 0];
      const level = [OP.BINGET, 0, OP.EMPTY_LIST, OP.BINPUT, 0, OP.APPEND, OP.POP];
      const tail = [OP.TUPLE, ...tensor.slice(at + shape.length), OP.STOP];
      return torchZip(deflatePieces([{ bytes: head }, { bytes: level, repeat: 200_000 }, { bytes: tail }]), [
        { name: `${ARCHIVE}/data/0`, data: new Uint8Array(84) },
      ]);
    },
    refusal: /a tensor's shape holds a list, not a non-negative integer/,
  },
  'huge-shape': {
    description: 'a tensor of shape [2^20, 2^20] (2^40 elements) on a storage of 21',
    build: () => modelWithTensor('raw_model.0.weight', { shape: [2 ** 20, 2 ** 20], values: new Array<number>(21).fill(0) }, 'zip'),
    refusal: /a tensor of shape \[1048576, 1048576\] has 1,099,511,627,776 elements \(limit: 4,194,304 tensor elements per file\)/,
  },
  'overflowing-shape': {
    description: 'a tensor of shape [2^53 - 1] x 3, whose element count overflows every integer type',
    build: () =>
      modelWithTensor('raw_model.0.weight', { shape: [2 ** 53 - 1, 2 ** 53 - 1, 2 ** 53 - 1], values: [0], stride: [1, 1, 1] }, 'zip'),
    refusal: /has about 7\.31e\+47 elements \(limit: 4,194,304 tensor elements per file\)/,
  },
  'huge-storage-claim': {
    description: 'a storage claiming 2^50 elements',
    build: () => modelWithTensor('raw_model.0.bias', { shape: [3], values: [0, 0, 0], claimedElementCount: 2 ** 50 }, 'zip'),
    refusal: /storage 1 claims 1,125,899,906,842,624 elements \(limit: 4,194,304 tensor elements per file\)/,
  },
  'shared-storage-tensors': {
    description: '1,000 tensors of 1 M elements, all on one storage (8 GB once decoded)',
    build: () => {
      const head = [...PROTO_2, OP.EMPTY_DICT, ...new PickleWriter().str('tensors').toBytes(), OP.EMPTY_LIST];
      const body = [...tensorOpcodes('0', MIB), OP.APPEND];
      const storage = deflatePieces([{ bytes: [0], repeat: 4 * MIB }]);
      return torchZip(deflatePieces([{ bytes: head }, { bytes: body, repeat: 1000 }, { bytes: [OP.SETITEM, OP.STOP] }]), [
        deflatedMember(`${ARCHIVE}/data/0`, storage),
      ]);
    },
    refusal: /the file's tensors hold 5,242,880 elements in all \(limit: 4,194,304 tensor elements per file\)/,
  },
  'long-string': {
    description: 'an info string of 2 MiB',
    build: () => zipModelWithInfo([OP.BINUNICODE, ...u32le(2 * MIB)], [0x61], 2 * MIB),
    refusal: /holds a string of 2,097,152 bytes \(BINUNICODE at byte \d+\) \(limit: 1,048,576 \(1 MiB\) bytes in one string\)/,
  },
  'huge-string-claim': {
    description: 'a BINUNICODE claiming 4 GB in a 200-byte pickle',
    build: () => zipModelWithInfo([OP.BINUNICODE, 0xff, 0xff, 0xff, 0xff]),
    refusal: /holds a string of 4,294,967,295 bytes \(BINUNICODE at byte \d+\) \(limit: 1,048,576 \(1 MiB\) bytes in one string\)/,
  },
  'huge-bytes-claim': {
    description: 'a BINBYTES8 claiming 2^63 bytes',
    build: () => zipModelWithInfo([OP.BINBYTES8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
    refusal: /holds a string of 9,223,372,036,854,775,807 bytes \(BINBYTES8 at byte \d+\)/,
  },
  'long-line': {
    description: 'a GLOBAL whose module name runs 2 MiB without a newline',
    build: () => zipFlood([OP.GLOBAL], [0x61], 2 * MIB),
    refusal: /holds a text argument of more than 1,048,576 bytes \(GLOBAL at byte 2\)/,
  },
  'deflate-bomb': {
    description: 'data.pkl inflating to 2 GiB, its header telling the truth',
    build: () => zipFlood([], [OP.NONE], 2 * GIB),
    refusal: /archive\/data\.pkl is 2,147,483,651 bytes \(limit: 67,108,864 \(64 MiB\) bytes per pickle\)/,
  },
  'deflate-bomb-lying': {
    description: 'data.pkl declaring 1,000 bytes but inflating to 2 GiB',
    build: () => torchZip(deflatePieces(floodPieces([], [OP.NONE], 2 * GIB)), [], 1000),
    refusal: /^member archive\/data\.pkl inflates to more than the 1,000 bytes its zip directory entry declares$/,
  },
  'storage-bomb-lying': {
    description: 'a valid model whose first storage declares its 84 bytes but inflates to 2 GiB',
    build: () => {
      const { pickle, storages } = writeModelPickle(tinyModel(), 'zip');
      const bomb = deflatePieces([{ bytes: [0], repeat: 2 * GIB }]);
      return rawZip([
        { name: `${ARCHIVE}/data.pkl`, data: pickle },
        { name: `${ARCHIVE}/version`, data: VERSION },
        deflatedMember(`${ARCHIVE}/data/0`, bomb, 84),
        ...storages.slice(1).map((storage) => ({ name: `${ARCHIVE}/data/${storage.key}`, data: storage.bytes })),
      ]);
    },
    refusal: /^member archive\/data\/0 inflates to more than the 84 bytes its zip directory entry declares$/,
  },
  'version-bomb': {
    description: 'a version record inflating to 2 GiB, declared truthfully',
    build: () => rawZip([deflatedMember(`${ARCHIVE}/version`, deflatePieces([{ bytes: [0x33], repeat: 2 * GIB }])), { name: `${ARCHIVE}/data.pkl`, data: Uint8Array.of(...PROTO_2, OP.NONE, OP.STOP) }]),
    refusal: /reading member archive\/version brings the bytes extracted from the archive to 2,147,483,648 \(limit: 268,435,456 \(256 MiB\) bytes decompressed per file\)/,
  },
  'many-members': {
    description: 'a zip of 20,000 members',
    build: () => {
      const members: RawZipMember[] = [{ name: `${ARCHIVE}/data.pkl`, data: Uint8Array.of(...PROTO_2, OP.NONE, OP.STOP) }];
      for (let i = 0; i < 20_000; i += 1) members.push({ name: `${ARCHIVE}/x/${i}`, data: new Uint8Array(0) });
      return rawZip(members, { zip64: true });
    },
    refusal: /the zip archive lists 20,001 members \(limit: 10,000 zip members\)/,
  },
  'huge-directory-claim': {
    description: 'a zip64 end record claiming 2^62 members',
    build: () => rawZip([{ name: `${ARCHIVE}/data.pkl`, data: Uint8Array.of(...PROTO_2, OP.NONE, OP.STOP) }], { zip64: true, claimedEntryCount: 2n ** 62n }),
    refusal: /the zip archive lists 4,611,686,018,427,387,904 members \(limit: 10,000 zip members\)/,
  },
  'legacy-none-flood': {
    description: 'legacy format: an object pickle of 2 M NONE opcodes',
    build: () => legacyFlood([OP.NONE], 2_000_000),
    refusal: /the pickled object puts more than 1,000,000 values on the pickle stack/,
  },
  'legacy-mark-flood': {
    description: 'legacy format: an object pickle of 2 M MARK opcodes',
    build: () => legacyFlood([OP.MARK], 2_000_000),
    refusal: /the pickled object opens more than 1,000 MARKs at once/,
  },
  'legacy-opcode-flood': {
    description: 'legacy format: 12 M opcodes (NONE, POP) in the object pickle',
    build: () => legacyFlood([OP.NONE, OP.POP], 6_000_000),
    refusal: /the file runs more than 10,000,000 pickle opcodes \(the pickled object/,
  },
  'legacy-huge-storage-claim': {
    description: 'legacy format: a storage claiming 2^40 elements, its count prefix agreeing',
    build: () => modelWithTensor('raw_model.0.bias', { shape: [3], values: [0, 0, 0], claimedElementCount: 2 ** 40 }, 'legacy'),
    refusal: /storage 1 claims 1,099,511,627,776 elements \(limit: 4,194,304 tensor elements per file\)/,
  },
  'legacy-huge-shape': {
    description: 'legacy format: a tensor of shape [2^20, 2^20] on a storage of 21',
    build: () => modelWithTensor('raw_model.0.weight', { shape: [2 ** 20, 2 ** 20], values: new Array<number>(21).fill(0) }, 'legacy'),
    refusal: /a tensor of shape \[1048576, 1048576\] has 1,099,511,627,776 elements/,
  },
};
