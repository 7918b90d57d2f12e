#!/usr/bin/env python3
"""PyTorch's CPU figure for `dnpu bench`'s surrogateTrainSamplesPerSecond, for comparison.

The same step as the app's figure: the reference architecture (7 -> 6 x 90 -> 1, ReLU, as
brainspy-smg's default), a batch of 512 random rows, MSE, backward to the weights, one
torch.optim.Adam step (lr 1e-3). Warm-up steps first, then timed steps until at least 20 and
4 s; the median samples per second, with 1 and 2 threads. Needs PyTorch (python3 -c "import
torch"); the app does not use this script. Usage:

    python3 scripts/bench-torch-surrogate-train.py [--json]
"""
import json
import statistics
import sys
import time

import torch

BATCH_SIZE = 512
HIDDEN_SIZES = [90] * 6
WARMUPS = 5
MIN_REPETITIONS = 20
BUDGET_SECONDS = 4.0


def build_model() -> torch.nn.Sequential:
    layers = []
    size_in = 7
    for size_out in HIDDEN_SIZES:
        layers += [torch.nn.Linear(size_in, size_out), torch.nn.ReLU()]
        size_in = size_out
    layers.append(torch.nn.Linear(size_in, 1))
    return torch.nn.Sequential(*layers)


def samples_per_second(threads: int) -> float:
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = build_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_function = torch.nn.MSELoss()
    inputs = torch.rand(BATCH_SIZE, 7) * 1.6 - 1.0
    targets = torch.rand(BATCH_SIZE, 1) * 2.0 - 1.0

    def step() -> None:
        optimizer.zero_grad()
        loss = loss_function(model(inputs), targets)
        loss.backward()
        optimizer.step()
        loss.item()  # as the app's step, which reads the batch loss back

    for _ in range(WARMUPS):
        step()
    seconds = []
    while len(seconds) < MIN_REPETITIONS or sum(seconds) < BUDGET_SECONDS:
        started = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - started)
    return statistics.median(BATCH_SIZE / s for s in seconds)


def main() -> None:
    figures = {f"threads{n}": round(samples_per_second(n), 0) for n in (1, 2)}
    report = {"torchVersion": torch.__version__, "surrogateTrainSamplesPerSecond": figures}
    if "--json" in sys.argv:
        print(json.dumps(report))
    else:
        for name, value in figures.items():
            print(f"PyTorch {torch.__version__}, {name}: {value:.3g} samples/s")


if __name__ == "__main__":
    main()
