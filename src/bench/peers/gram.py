"""NumPy peer of the gram suite (src/bench/suites/gram.ts): times the products the way a NumPy user
writes them (Z @ W.T, Z @ Z.T, which NumPy routes to OpenBLAS sgemm / ssyrk, the tall-skinny
Z.T @ W and Z.T @ Z, and the batched Z @ W.transpose(0, 2, 1)). Reads {"cases": [{...}], "min_time": s, "seed": n} on stdin and prints
{"numpy", "blas", "results": [{"best", "mean"}]} (one per case, in order). Times calls for at
least min_time (and 5 calls) after one warm-up and reports the best and the mean seconds per
call, as the suite does on speclin's side."""
import json
import sys
import time

import numpy as np


def blas_name():
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg["Build Dependencies"]["blas"]
        return f'{b.get("name", "?")} {b.get("version", "")}'.strip()
    except Exception:  # numpy without show_config(mode=...)
        return "unknown"


def time_calls(fn, min_time):
    fn()
    times = []
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start >= min_time and len(times) >= 5:
            return min(times), sum(times) / len(times)


def product(case, rng):
    kind = case["kind"]
    if kind == "batch":
        b, m, n, k = case["batch"], case["m"], case["n"], case["k"]
        Z = rng.standard_normal((b, m, k), dtype=np.float32)
        W = rng.standard_normal((b, n, k), dtype=np.float32)
        return lambda: Z @ W.transpose(0, 2, 1)
    B, k = case["B"], case["k"]
    if kind in ("inner", "innerSelf"):
        Z = rng.standard_normal((B, k), dtype=np.float32)
        if kind == "innerSelf":
            return lambda: Z.T @ Z
        W = rng.standard_normal((B, case["kw"]), dtype=np.float32)
        return lambda: Z.T @ W
    Z = rng.standard_normal((B, k), dtype=np.float32)
    W = rng.standard_normal((B, k), dtype=np.float32)
    return (lambda: Z @ W.T) if kind == "cross" else (lambda: Z @ Z.T)


def main():
    req = json.load(sys.stdin)
    rng = np.random.default_rng(req.get("seed", 1))
    results = []
    for case in req["cases"]:
        best, mean = time_calls(product(case, rng), req["min_time"])
        results.append({"best": best, "mean": mean})
    json.dump({"numpy": np.__version__, "blas": blas_name(), "results": results}, sys.stdout)


main()
