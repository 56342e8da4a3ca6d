"""Peer for bench/spmv.ts: scipy.sparse CSR products on the same graphs, timed in the same run.

Request (JSON on stdin): { "graphs": [{ "name", "n", "indptr", "indices", "values" (paths of raw
little-endian float64 / int32 / float32-or-float64 files), "dtype", "degrees" (path, float64) }],
"columns": [1, 8], "minTime": seconds }.
Answer: { "scipy": version, "numpy": version, "results": [{ "name", "op", "columns", "seconds" }] }.
"""
import json
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp


def timeit(fn, min_time):
    fn()
    best = float("inf")
    total, reps = 0.0, 0
    while total < min_time or reps < 5:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best = min(best, dt)
        total += dt
        reps += 1
    return total / reps, best


def main():
    req = json.load(sys.stdin)
    out = []
    rng = np.random.default_rng(1)
    for g in req["graphs"]:
        n = g["n"]
        dtype = np.float32 if g["dtype"] == "float32" else np.float64
        indptr = np.fromfile(g["indptr"], dtype=np.float64).astype(np.int32)
        indices = np.fromfile(g["indices"], dtype=np.int32)
        values = np.fromfile(g["values"], dtype=dtype)
        A = sp.csr_matrix((values, indices, indptr), shape=(n, n))
        d = np.fromfile(g["degrees"], dtype=np.float64)
        s = sp.diags(1 / np.sqrt(d))
        # The normalized matrix built once, in float64 (what a scipy user hands to eigsh).
        Abar = (s @ A.astype(np.float64) @ s).tocsr()
        for c in req["columns"]:
            shape = (n,) if c == 1 else (n, c)
            x = rng.standard_normal(shape).astype(dtype)
            x64 = rng.standard_normal(shape)
            mean, best = timeit(lambda: A @ x, req["minTime"])
            out.append({"name": g["name"], "op": "spmv", "columns": c, "seconds": mean, "best": best})
            mean, best = timeit(lambda: Abar @ x64, req["minTime"])
            out.append({"name": g["name"], "op": "normalized", "columns": c, "seconds": mean, "best": best})
    json.dump({"scipy": scipy.__version__, "numpy": np.__version__, "results": out}, sys.stdout)


main()
