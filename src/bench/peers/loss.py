"""NumPy peers for bench/loss.ts: the spectral contrastive loss and its gradients (float32,
mu clipping, off-diagonal negatives) in two formulations, timed here on data drawn like the
suite's. Request: {"shapes": [[B, k], ...], "mu": float, "seed": int, "min_time": seconds,
"min_calls": n (default 5), "one_thread_too": bool (default true)}.
Answer: {"numpy", "blas", "rows": [{"B", "k", "reference_s", "gram_s", "gram_variant",
"reference_threads", "gram_threads", "loss_ref", "loss_gram", "grad_rel_diff"}], "topk": {"seconds"}
or null}; each time is the better of NumPy's default threads and one thread."""
import json
import os
import subprocess
import sys
import time

import numpy as np


def data(B, k, seed):
    # Rows of norm about 1 (spread 0.5..1.5), so mu = 1 clips roughly half of them.
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((B, k), dtype=np.float32)
    W = (0.6 * Z + 0.4 * rng.standard_normal((B, k), dtype=np.float32)).astype(np.float32)
    for X in (Z, W):
        X *= (rng.uniform(0.5, 1.5, (B, 1)) / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    return Z, W


def clip(X, mu):
    """The reference's D(z1, z2, mu): rows of norm >= sqrt(mu) rescaled to norm sqrt(mu)."""
    n = np.linalg.norm(X, axis=1, keepdims=True)
    keep = n < np.sqrt(mu)
    scale = np.where(keep, np.float32(1), (np.sqrt(mu) / n).astype(np.float32))
    return X * scale, n, keep


def unclip(G, X, n, keep, mu):
    """Chain rule through the clipping: (sqrt(mu)/||x||)(g - u (u.g)) on clipped rows."""
    u = X / n
    ug = np.sum(u * G, axis=1, keepdims=True)
    return np.where(keep, G, (np.sqrt(mu) / n).astype(np.float32) * (G - u * ug))


def reference(Z, W, mu):
    """As the reference PyTorch code computes the loss (S = Z W^T, triu + tril of S^2), with the
    backward pass written out as matrix products of S."""
    B = Z.shape[0]
    Zh, nz, kz = clip(Z, mu)
    Wh, nw, kw = clip(W, mu)
    S = Zh @ Wh.T
    part1 = -2 * np.mean(Zh * Wh, dtype=np.float64) * Z.shape[1]
    S2 = S * S
    part2 = np.mean(np.triu(S2, 1) + np.tril(S2, -1), dtype=np.float64) * B / (B - 1)
    loss = (part1 + part2) / mu
    M = S * np.float32(2 / (B * (B - 1)) / mu)
    np.fill_diagonal(M, 0)
    a = np.float32(-2 / (B * mu))
    gZ = M @ Wh + a * Wh
    gW = M.T @ Zh + a * Zh
    return loss, unclip(gZ, Z, nz, kz, mu), unclip(gW, W, nw, kw, mu)


def gram(Z, W, mu, syrk=True):
    """The O(B k^2) formulation: Z^T Z, W^T W and the diagonal z_i.w_i. NumPy sends X.T @ X to
    OpenBLAS's SYRK, which is sometimes slower than a GEMM against a copy (syrk=False): the suite
    times both and keeps the faster, so the peer is NumPy at its best."""
    B = Z.shape[0]
    Zh, nz, kz = clip(Z, mu)
    Wh, nw, kw = clip(W, mu)
    GZ = Zh.T @ (Zh if syrk else Zh.copy())
    GW = Wh.T @ (Wh if syrk else Wh.copy())
    d = np.einsum("ij,ij->i", Zh, Wh, dtype=np.float64)
    c = 1 / (B * (B - 1))
    part1 = -2 / B * d.sum()
    part2 = c * (np.sum(GZ * GW, dtype=np.float64) - np.dot(d, d))
    loss = (part1 + part2) / mu
    alpha = np.float32(2 * c / mu)
    a = (-2 / (B * mu) - 2 * c / mu * d).astype(np.float32)[:, None]
    gZ = alpha * (Zh @ GW) + a * Wh
    gW = alpha * (Wh @ GZ) + a * Zh
    return loss, unclip(gZ, Z, nz, kz, mu), unclip(gW, W, nw, kw, mu)


def timed(fn, min_time, min_calls=5):
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 200:
            break
    return float(np.mean(times))


def measure(req):
    mu = float(req["mu"])
    rows = []
    for B, k in req["shapes"]:
        Z, W = data(B, k, req["seed"])
        ref = timed(lambda: reference(Z, W, mu), req["min_time"], req.get("min_calls", 5))
        gr_syrk = timed(lambda: gram(Z, W, mu), req["min_time"], req.get("min_calls", 5))
        gr_gemm = timed(lambda: gram(Z, W, mu, syrk=False), req["min_time"], req.get("min_calls", 5))
        gr = min(gr_syrk, gr_gemm)
        lr, gzr, _ = reference(Z, W, mu)
        lg, gzg, _ = gram(Z, W, mu)
        rows.append({"B": B, "k": k, "reference_s": ref, "gram_s": gr,
                     "gram_variant": "syrk" if gr_syrk <= gr_gemm else "gemm",
                     "loss_ref": float(lr), "loss_gram": float(lg),
                     "grad_rel_diff": float(np.max(np.abs(gzr - gzg)) / np.max(np.abs(gzr)))})
    topk = None
    if req.get("topk"):
        q, n, d, k = req["topk"]
        rng = np.random.default_rng(req["seed"])
        Q = rng.standard_normal((q, d), dtype=np.float32)
        K = rng.standard_normal((n, d), dtype=np.float32)

        def search():
            # Blocks of queries keep the score matrix at 100 x n; argpartition then a sort of k.
            idx = np.empty((q, k), dtype=np.int64)
            for q0 in range(0, q, 100):
                S = Q[q0:q0 + 100] @ K.T
                part = np.argpartition(-S, k - 1, axis=1)[:, :k]
                order = np.argsort(-np.take_along_axis(S, part, axis=1), axis=1, kind="stable")
                idx[q0:q0 + 100] = np.take_along_axis(part, order, axis=1)
            return idx

        topk = {"seconds": timed(search, req["min_time"], req.get("min_calls", 5))}
    return {"rows": rows, "topk": topk}


def blas_label():
    try:
        return np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    except Exception:  # noqa: BLE001 - only a label
        return ""


def main():
    req = json.load(sys.stdin)
    if req.get("child") or not req.get("one_thread_too", True):
        out = measure(req)
        if not req.get("child"):
            for r in out["rows"]:
                r["reference_threads"] = r["gram_threads"] = "default"
            out.update(numpy=np.__version__, blas=blas_label())
        json.dump(out, sys.stdout)
        return
    # OpenBLAS's threads spin and stall when the cores are shared with other work: on a busy
    # machine a single-threaded NumPy can be several times faster. Each figure is the better of
    # NumPy with its default threads (this process) and with one thread (a child process), so the
    # peer is NumPy at its best either way.
    threaded = measure(req)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    child = subprocess.run([sys.executable, __file__], input=json.dumps(dict(req, child=True)),
                           capture_output=True, text=True, env=env, check=True)
    single = json.loads(child.stdout)
    rows = []
    for a, b in zip(threaded["rows"], single["rows"]):
        r = dict(a)
        for key in ("reference_s", "gram_s"):
            r[key] = min(a[key], b[key])
            r[key.replace("_s", "_threads")] = "default" if a[key] <= b[key] else "1"
        if b["gram_s"] < a["gram_s"]:
            r["gram_variant"] = b["gram_variant"]
        rows.append(r)
    topk = threaded["topk"]
    if topk and single["topk"]:
        topk = {"seconds": min(topk["seconds"], single["topk"]["seconds"])}
    json.dump({"numpy": np.__version__, "blas": blas_label(), "rows": rows, "topk": topk}, sys.stdout)


if __name__ == "__main__":
    main()
