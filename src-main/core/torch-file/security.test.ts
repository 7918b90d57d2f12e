// Hostile pickles must be refused by name, before any of their effects could happen.
import { describe, expect, it } from 'vitest'
import { importTorchSurrogate } from './brainspy-surrogate.js'
import { loadTorchFile } from './torch-load.js'
import { OP } from './pickle-opcodes.js'
import { PickleWriter } from './__fixtures__/pickle-writer.js'
import { pythonPickle } from './__fixtures__/python-pickles.js'
import { LEGACY_MAGIC, buildTorchZip, tinyModel, zipMembers } from './__fixtures__/torch-file-builder.js'
import { errorOf } from './__fixtures__/error-of.js'

/** A torch zip archive whose data.pkl is `pickle`, next to a valid model's storages. */
function zipWithPickle(pickle: Uint8Array): Uint8Array {
  return buildTorchZip(tinyModel(), { pickle })
}

function expectRefused(bytes: Uint8Array, qualifiedName: string): void {
  const error = errorOf(() => importTorchSurrogate(bytes))
  expect(error.kind).toBe('refused')
  expect(error.reason).toBe(
    `refused: the file references the Python global ${qualifiedName}, which a surrogate model never needs`
  )
}

describe('the global allow-list', () => {
  it('refuses os.system via GLOBAL + REDUCE', () => {
    const pickle = new PickleWriter()
      .proto(2)
      .emptyDict()
      .str('info')
      .global('os', 'system')
      .mark()
      .str('echo pwned')
      .tuple()
      .reduce()
    expectRefused(zipWithPickle(pickle.setitem().stop().toBytes()), 'os.system')
  })

  it('refuses builtins.eval via STACK_GLOBAL + REDUCE (protocol 4)', () => {
    const pickle = new PickleWriter().proto(4).stackGlobal('builtins', 'eval').mark().str('1+1').tuple().reduce().stop()
    expectRefused(zipWithPickle(pickle.toBytes()), 'builtins.eval')
  })

  it('refuses __builtin__.exec through INST (protocol 0)', () => {
    const pickle = new PickleWriter()
      .mark()
      .str('print(1)')
      .raw(OP.INST, ...new TextEncoder().encode('__builtin__\nexec\n'))
      .stop()
    expectRefused(zipWithPickle(pickle.toBytes()), '__builtin__.exec')
  })

  it('refuses a global that is named but never called', () => {
    const pickle = new PickleWriter().proto(2).global('subprocess', 'Popen').raw(OP.POP).none().stop()
    expectRefused(zipWithPickle(pickle.toBytes()), 'subprocess.Popen')
  })

  it('refuses a brainspy class (a pickled model object instead of a state dict)', () => {
    const pickle = new PickleWriter()
      .proto(2)
      .global('brainspy.processors.simulation.model', 'NeuralNetworkModel')
      .emptyTuple()
      .raw(OP.NEWOBJ)
      .stop()
    expectRefused(zipWithPickle(pickle.toBytes()), 'brainspy.processors.simulation.model.NeuralNetworkModel')
  })

  it('refuses the payloads CPython writes for os.system and builtins.eval', () => {
    // os.system pickles as posix.system on Linux.
    expectRefused(zipWithPickle(pythonPickle('osSystemProtocol2')), 'posix.system')
    expectRefused(zipWithPickle(pythonPickle('osSystemProtocol0')), 'posix.system')
    expectRefused(zipWithPickle(pythonPickle('builtinsEvalProtocol4')), 'builtins.eval')
    // Even bytes at protocol 2 go through a global (_codecs.encode), which a surrogate never needs.
    expectRefused(zipWithPickle(pythonPickle('protocol2Bytes')), '_codecs.encode')
  })

  it('refuses extension-registry codes, which name globals indirectly', () => {
    const error = errorOf(() =>
      importTorchSurrogate(zipWithPickle(Uint8Array.from([OP.PROTO, 2, OP.EXT1, 1, OP.STOP])))
    )
    expect(error.kind).toBe('refused')
    expect(error.reason).toMatch(/copyreg extension registry \(code 1\)/)
  })

  it('refuses globals in the header pickles of the legacy format', () => {
    const header = new PickleWriter().proto(2).int(LEGACY_MAGIC).stop().toBytes()
    const evil = new PickleWriter().proto(2).global('os', 'system').stop().toBytes()
    const error = errorOf(() => loadTorchFile(Uint8Array.from([...header, ...evil])))
    expect(error.reason).toMatch(/refused: the file references the Python global os.system/)
  })

  it('refuses a global in the state dict of an otherwise valid file', () => {
    const spec = tinyModel()
    const pickle = new PickleWriter()
    pickle.proto(2).emptyDict().mark().str('info').value(spec.info).str('model_state_dict')
    pickle
      .global('collections', 'OrderedDict')
      .emptyTuple()
      .reduce()
      .str('raw_model.0.weight')
      .global('torch', 'load')
      .emptyTuple()
      .reduce()
      .setitem()
    pickle.setitems().stop()
    expectRefused(zipWithPickle(pickle.toBytes()), 'torch.load')
  })

  it('reports unsupported tensor dtypes as such, not as refused', () => {
    const spec = tinyModel()
    spec.stateDict['raw_model.0.bias']!.storageType = 'HalfStorage'
    const error = errorOf(() => importTorchSurrogate(buildTorchZip(spec)))
    expect(error.kind).toBe('unsupported')
    expect(error.reason).toBe(
      'the file stores tensors of dtype float16 (torch.HalfStorage); only float32 and float64 weights are supported'
    )
  })

  it('never touches the storages of a refused file', () => {
    // A refused pickle in an archive without any storage still reports the refusal first.
    const pickle = new PickleWriter().proto(2).global('os', 'system').stop().toBytes()
    expectRefused(zipMembers({ 'x/data.pkl': pickle }), 'os.system')
  })
})
