# Makes the extra torch-file fixtures from small-elu.pt and small-tanh.pt with a real PyTorch
# (run once by hand: `python3 make-extra-fixtures.py` in this folder; Debian's python3-torch
# 1.13 was used). Tests never run this: they read the committed .pt files it wrote.
import collections
import io
import zipfile

import torch


def load(name):
    return torch.load(name)


def save_zip(obj, name):
    torch.save(obj, name)


def save_legacy(obj, name):
    # The pre-1.6 layout: magic number, protocol, sys_info, object pickle, storage keys, storages.
    torch.save(obj, name, _use_new_zipfile_serialization=False)


elu = load('small-elu.pt')
tanh = load('small-tanh.pt')

save_legacy(elu, 'small-elu-legacy.pt')

tanh64 = {
    'info': tanh['info'],
    'model_state_dict': collections.OrderedDict((k, v.double()) for k, v in tanh['model_state_dict'].items()),
}
save_zip(tanh64, 'small-tanh-float64.pt')
save_legacy(tanh64, 'small-tanh-float64-legacy.pt')

# state_dict(keep_vars=True) keeps nn.Parameter objects: pickled through _rebuild_parameter.
elu_parameters = {
    'info': elu['info'],
    'model_state_dict': collections.OrderedDict(
        (k, torch.nn.Parameter(v.clone())) for k, v in elu['model_state_dict'].items()
    ),
}
save_zip(elu_parameters, 'small-elu-parameters.pt')

# The same archive re-packed with deflate compression, as a zip tool would; torch.load reads it.
with zipfile.ZipFile('small-elu.pt') as source, zipfile.ZipFile('small-elu-deflated.pt', 'w', zipfile.ZIP_DEFLATED) as target:
    for item in source.infolist():
        target.writestr(item.filename, source.read(item.filename))

# Check every file loads in PyTorch and holds the same numbers as its source.
for name, reference in [
    ('small-elu-legacy.pt', elu),
    ('small-tanh-float64.pt', tanh64),
    ('small-tanh-float64-legacy.pt', tanh64),
    ('small-elu-parameters.pt', elu),
    ('small-elu-deflated.pt', elu),
]:
    loaded = torch.load(name)
    assert loaded['info'] == reference['info'], name
    for key, value in reference['model_state_dict'].items():
        assert torch.equal(loaded['model_state_dict'][key].detach(), value.detach()), (name, key)
    print('ok', name)
