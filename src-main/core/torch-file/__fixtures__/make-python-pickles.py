# Writes the hex pickles of python-pickles.ts (run by hand with python3; prints JSON).
import pickle, collections, os, json
class Evil:
    def __reduce__(self):
        return (os.system, ('echo pwned',))
class EvalEvil:
    def __reduce__(self):
        import builtins
        return (builtins.eval, ('1+1',))
base = {'info': {'a': [1, -2, 3.5, 2**70, -2**70, True, None, 'h\u00e9llo', (1, 2)], 'n': -300000}, 'od': collections.OrderedDict([('k', 1), ('j', [1.5])])}
with_bytes = dict(base, b=b'xy')
out = {
  'protocol2': pickle.dumps(base, protocol=2).hex(),
  'protocol4': pickle.dumps(with_bytes, protocol=4).hex(),
  'protocol5': pickle.dumps(with_bytes, protocol=5).hex(),
  'protocol2Bytes': pickle.dumps(with_bytes, protocol=2).hex(),
  'osSystemProtocol2': pickle.dumps({'info': Evil()}, protocol=2).hex(),
  'builtinsEvalProtocol4': pickle.dumps({'info': EvalEvil()}, protocol=4).hex(),
  'osSystemProtocol0': pickle.dumps(Evil(), protocol=0).hex(),
}
print(json.dumps(out, indent=2))
