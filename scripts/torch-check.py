#!/usr/bin/env python3
"""Load a brainspy-smg surrogate .pt with PyTorch and print its outputs as JSON.

Usage: torch-check.py MODEL.pt INPUTS.json
INPUTS.json holds rows of activation voltages. Prints {"torchVersion", "weightsOnly",
"outputs"}: outputs are MLP(x) * amplification clamped to the clipping value (nA), one list per
row, computed by an nn.Sequential rebuilt from the state dict with load_state_dict(strict=True).

torch.load(weights_only=True) is used when PyTorch reads BINFLOAT there (PyTorch >= 2.0).
PyTorch 1.13's weights-only unpickler has no BINFLOAT opcode, so it cannot load any brainspy
file (the info dict holds floats), the lab's own included: there, the pickle's opcodes and
globals are first checked against what PyTorch 2's weights-only unpickler accepts, and the file
is then loaded with weights_only=False. Used by src-main/core/torch-file/torch-export-pytorch.test.ts.
"""
import json
import pickletools
import sys
import zipfile
from collections import OrderedDict

import torch

ACTIVATIONS = {
    "relu": torch.nn.ReLU,
    "elu": torch.nn.ELU,
    "tanh": torch.nn.Tanh,
    "hard-tanh": torch.nn.Hardtanh,
    "sigmoid": torch.nn.Sigmoid,
}
# What PyTorch 2's torch/_weights_only_unpickler.py accepts, restricted to what a surrogate needs.
WEIGHTS_ONLY_OPCODES = {
    "PROTO", "STOP", "MARK", "GLOBAL", "REDUCE", "BUILD", "BINPERSID", "EMPTY_DICT", "EMPTY_LIST",
    "EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "SETITEM", "SETITEMS", "APPEND", "APPENDS",
    "BINGET", "LONG_BINGET", "BINPUT", "LONG_BINPUT", "BININT", "BININT1", "BININT2", "LONG1",
    "BINFLOAT", "BINUNICODE", "NONE", "NEWTRUE", "NEWFALSE",
}
ALLOWED_GLOBALS = {"collections OrderedDict", "torch._utils _rebuild_tensor_v2", "torch FloatStorage"}


def check_pickle(path):
    with zipfile.ZipFile(path) as archive:
        [name] = [n for n in archive.namelist() if n.endswith("/data.pkl")]
        data = archive.read(name)
    for opcode, arg, _ in pickletools.genops(data):
        if opcode.name not in WEIGHTS_ONLY_OPCODES:
            raise SystemExit(f"opcode {opcode.name} is not one torch.load(weights_only=True) reads")
        if opcode.name == "GLOBAL" and arg not in ALLOWED_GLOBALS:
            raise SystemExit(f"global {arg} is not allowed")


def main():
    path, inputs_path = sys.argv[1], sys.argv[2]
    weights_only = int(torch.__version__.split(".")[0]) >= 2
    if weights_only:
        saved = torch.load(path, weights_only=True)
    else:
        check_pickle(path)
        saved = torch.load(path, weights_only=False)
    info, state_dict = saved["info"], saved["model_state_dict"]
    assert isinstance(state_dict, OrderedDict), type(state_dict)
    structure = info["model_structure"]
    sizes = [structure["D_in"], *structure["hidden_sizes"], structure["D_out"]]
    layers = []
    for i in range(len(sizes) - 1):
        if i > 0:
            layers.append(ACTIVATIONS[structure["activation"]]())
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))

    class Surrogate(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.raw_model = torch.nn.Sequential(*layers)

    model = Surrogate()
    model.load_state_dict(state_dict, strict=True)
    outputs_info = info["electrode_info"]["output_electrodes"]
    amplification = torch.tensor(outputs_info["amplification"], dtype=torch.float32)
    low, high = outputs_info["clipping_value"]
    with open(inputs_path) as file:
        inputs = torch.tensor(json.load(file), dtype=torch.float32)
    with torch.no_grad():
        outputs = torch.clamp(model.raw_model(inputs) * amplification, min=low, max=high)
    dtypes = sorted({str(tensor.dtype) for tensor in state_dict.values()})
    print(json.dumps({
        "torchVersion": torch.__version__,
        "weightsOnly": weights_only,
        "dtypes": dtypes,
        "outputs": outputs.tolist(),
    }))


main()
