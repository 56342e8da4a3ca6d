"""bench/torch.ts's measurements, all in this one Python process so that the comparison is like for
like: forward + backward of the spectral contrastive loss (float32, mu = 1, off-diagonal negatives)
through speclin.torch.SpectralLoss, through torch autograd of the reference D(z1, z2, mu), and
through torch autograd of the O(B k^2) Gram form of the same loss.
Request: {"shapes": [[B, k], ...], "mu": float, "seed": int, "min_time": seconds}.
Answer: {"torch", "torch_threads", "speclin_threads", "rows": [{"B", "k", "speclin_s", "reference_s",
"gram_s", "loss_rel_diff", "grad_rel_diff"}]}; each time is the median of repeated runs lasting at
least min_time, torch given as many threads as speclin's pool."""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "python"))
sys.path.insert(0, os.path.join(here, "..", "..", "python", "tests"))
import speclin  # noqa: E402
import speclin.torch as st  # noqa: E402
from reference_spectral import D, gram_form  # noqa: E402


def data(B, k, seed):
    # Rows of norm 0.5..1.5, w correlated with z: mu = 1 clips about half of the rows.
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(B, k, generator=g)
    w = 0.6 * z + 0.4 * torch.randn(B, k, generator=g)
    for x in (z, w):
        x *= (0.5 + torch.rand(B, 1, generator=g)) / x.norm(dim=1, keepdim=True)
    return z.requires_grad_(), w.requires_grad_()


def step(loss_fn, z, w):
    z.grad = w.grad = None
    loss = loss_fn(z, w)
    loss.backward()
    return loss


def timed(loss_fn, z, w, min_time):
    step(loss_fn, z, w)  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < 5 or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        step(loss_fn, z, w)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    req = json.load(sys.stdin)
    # The same thread count on both sides (Debian's torch may start with 1; speclin's pool uses
    # the machine's cores).
    torch.set_num_threads(speclin.get_threads())
    mu = req["mu"]
    fns = {
        "speclin": st.SpectralLoss(mu=mu),
        "reference": lambda a, b: D(a, b, mu)[0],
        "gram": lambda a, b: gram_form(a, b, mu),
    }
    rows = []
    for B, k in req["shapes"]:
        z, w = data(B, k, req["seed"])
        grads, losses = {}, {}
        for name, fn in fns.items():
            losses[name] = float(step(fn, z, w))
            grads[name] = torch.cat([z.grad, w.grad]).double()
        rel = float((grads["speclin"] - grads["reference"]).abs().max() / grads["reference"].abs().max())
        row = {"B": B, "k": k, "loss_rel_diff": abs(losses["speclin"] - losses["reference"]) / abs(losses["reference"]),
               "grad_rel_diff": rel}
        for name, fn in fns.items():
            row[f"{name}_s"] = timed(fn, z, w, req["min_time"])
        rows.append(row)
    print(json.dumps({"torch": torch.__version__, "numpy": np.__version__, "torch_threads": torch.get_num_threads(),
                      "speclin_threads": speclin.get_threads(), "rows": rows}))


main()
