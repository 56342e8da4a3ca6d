"""Peers of bench/search.ts, timed on the suite's own data (.npy files it wrote).
Request (JSON on stdin): {"peer": "faiss" | "numpy", "keys": path, "queries": path, "k": int,
"threads": int, "nlist": int, "nprobes": [int], "numpy_queries": int, "ivf_queries": int}.
faiss (Debian's python3-faiss, /usr/bin/python3): IndexFlatIP, then IndexIVFFlat (inner product,
the flat IP quantizer, nlist lists trained on the keys) searched at each nprobe.
numpy: S = Q K^T in blocks of queries (40 MB of scores each), argpartition, then a stable sort of the k survivors
(ties: the lower index), on the first numpy_queries queries.
Answer: {"version", "threads", "flat": {"seconds", "indices", "scores"}, "ivf": {"train_seconds",
"bytes_per_key", "runs": [{"nprobe", "seconds", "indices"}]}} (faiss) or
{"version", "threads", "queries", "seconds"} (numpy); indices and scores as lists of rows."""
import json
import os
import sys
import time

req = json.load(sys.stdin)
threads = int(req["threads"])
if req["peer"] == "numpy":
    # Before numpy loads: OpenBLAS reads its thread count at import.
    os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
import numpy as np  # noqa: E402

K = np.load(req["keys"])
Q = np.load(req["queries"])
k = int(req["k"])


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def numpy_search(Qs):
    idx = np.empty((Qs.shape[0], k), dtype=np.int64)
    block = max(1, min(100, 10_000_000 // K.shape[0]))
    for q0 in range(0, Qs.shape[0], block):
        S = Qs[q0:q0 + block] @ K.T
        part = np.argpartition(-S, k - 1, axis=1)[:, :k]
        # Ties with the k-th score outside `part` are not looked for: numpy's own idiom.
        part.sort(axis=1)
        order = np.argsort(-np.take_along_axis(S, part, axis=1), axis=1, kind="stable")
        idx[q0:q0 + block] = np.take_along_axis(part, order, axis=1)
    return idx


if req["peer"] == "numpy":
    n = min(int(req["numpy_queries"]), Q.shape[0])
    seconds, _ = timed(lambda: numpy_search(Q[:n]))
    json.dump({"version": np.__version__, "threads": threads, "queries": n, "seconds": seconds}, sys.stdout)
    sys.exit(0)

import faiss  # noqa: E402

faiss.omp_set_num_threads(threads)
d = K.shape[1]
flat = faiss.IndexFlatIP(d)
flat.add(K)
seconds, (D, I) = timed(lambda: flat.search(Q, k))
out = {"version": faiss.__version__, "threads": faiss.omp_get_max_threads(),
       "flat": {"seconds": seconds, "indices": I.tolist(), "scores": D.tolist()}}
del flat

quantizer = faiss.IndexFlatIP(d)
ivf = faiss.IndexIVFFlat(quantizer, d, int(req["nlist"]), faiss.METRIC_INNER_PRODUCT)
t0 = time.perf_counter()
ivf.train(K)
ivf.add(K)
train_seconds = time.perf_counter() - t0
# IVFFlat stores each key's d floats and an int64 id in its list.
bytes_per_key = ivf.code_size + 8
nq = min(int(req["ivf_queries"]), Q.shape[0])
runs = []
for nprobe in req["nprobes"]:
    ivf.nprobe = int(nprobe)
    ivf.search(Q[:min(nq, 100)], k)  # warm-up
    # The best of three calls, as the suite times speclin's.
    seconds, (D, I) = min((timed(lambda: ivf.search(Q[:nq], k)) for _ in range(3)), key=lambda r: r[0])
    runs.append({"nprobe": int(nprobe), "seconds": seconds, "indices": I.tolist()})
out["ivf"] = {"train_seconds": train_seconds, "bytes_per_key": bytes_per_key, "queries": nq, "runs": runs}
json.dump(out, sys.stdout)
