"""Peer for bench/eigs.ts: scipy.sparse.linalg.eigsh (ARPACK, which='LA') on the same graphs,
timed in the same run.

Request (JSON on stdin): { "graphs": [{ "name", "n", "indptr" (raw float64), "indices" (raw
int32), "values" (raw float64), "degrees" (raw float64) }], "cases": [{ "graph", "k", "repeats"? }], "tol" }. Best of `repeats` runs.
Answer: { "scipy", "numpy", "results": [{ "graph", "k", "seconds", "maxResidual", "values",
"matvecs", "productSeconds", "countedSeconds" }] }.
The timed call is eigsh on the normalized matrix built once as a float64 CSR (what a scipy user
hands to eigsh); residuals ||A v - lambda v|| are computed afterwards, outside the timing. One
more run, untimed for the comparison, goes through a scipy LinearOperator that counts ARPACK's
products and the seconds spent in them (the same v0, so the same iteration): countedSeconds
less productSeconds is the time ARPACK spends outside the products.
"""
import json
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp
import scipy.sparse.linalg as sla


def main():
    req = json.load(sys.stdin)
    mats = {}
    for g in req["graphs"]:
        n = g["n"]
        indptr = np.fromfile(g["indptr"], dtype=np.float64).astype(np.int64)
        indices = np.fromfile(g["indices"], dtype=np.int32)
        values = np.fromfile(g["values"], dtype=np.float64)
        A = sp.csr_matrix((values, indices, indptr), shape=(n, n))
        d = np.fromfile(g["degrees"], dtype=np.float64)
        s = sp.diags(1 / np.sqrt(d))
        mats[g["name"]] = (s @ A @ s).tocsr()
    out = []
    for case in req["cases"]:
        M = mats[case["graph"]]
        k = case["k"]
        rng = np.random.default_rng(1)
        v0 = rng.standard_normal(M.shape[0])
        seconds = float("inf")
        for _ in range(case.get("repeats", 1)):
            t0 = time.perf_counter()
            w, V = sla.eigsh(M, k=k, which="LA", tol=req["tol"], v0=v0)
            seconds = min(seconds, time.perf_counter() - t0)
        counted = {"matvecs": 0, "seconds": 0.0}

        def matvec(x, M=M, counted=counted):
            t = time.perf_counter()
            y = M @ x
            counted["seconds"] += time.perf_counter() - t
            counted["matvecs"] += 1 if x.ndim == 1 else x.shape[1]
            return y

        L = sla.LinearOperator(M.shape, matvec=matvec, dtype=np.float64)
        t0 = time.perf_counter()
        sla.eigsh(L, k=k, which="LA", tol=req["tol"], v0=v0)
        counted_seconds = time.perf_counter() - t0
        order = np.argsort(-w)
        w, V = w[order], V[:, order]
        R = M @ V - V * w
        res = np.linalg.norm(R, axis=0)
        out.append({"graph": case["graph"], "k": k, "seconds": seconds,
                    "maxResidual": float(res.max()), "values": w.tolist(),
                    "matvecs": counted["matvecs"], "productSeconds": counted["seconds"],
                    "countedSeconds": counted_seconds})
    json.dump({"scipy": scipy.__version__, "numpy": np.__version__, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
