"""The dense kernels over NumPy arrays: the Gram family, the minibatch spectral contrastive loss
with both gradients, and exact top-k maximum inner product search. Outputs are new arrays of the
inputs' dtype; C-contiguous float32/float64 inputs are read in place."""
import math

import numpy as np

from . import _arrays as A
from ._library import LossOptions, LossResult, check, lib

_NEGATIVES = {"offdiagonal": 0, "all": 1}
_ALGORITHMS = {"auto": 0, "gram": 1, "pairwise": 2}
ALGORITHM_NAMES = {1: "gram", 2: "pairwise"}


def _batch(z, name):
    """(array, batch, rows, cols): a 2-D matrix is a batch of one; a 3-D array a batch."""
    a = A.floats(z, name, ndim=(2, 3))
    return (a, 1, a.shape[0], a.shape[1]) if a.ndim == 2 else (a, a.shape[0], a.shape[1], a.shape[2])


def _shape(a, batch, rows, cols):
    return (rows, cols) if a.ndim == 2 else (batch, rows, cols)


def gram(z):
    """Z Z^T (rows x rows) for Z (rows x cols), or per matrix of a batch (batch x rows x cols)."""
    a, b, r, c = _batch(z, "z")
    out = np.empty(_shape(a, b, r, r), dtype=a.dtype)
    f = A.prefix(a, lib().speclin_sgram, lib().speclin_dgram)
    check(f(A.ptr(a), A.ptr(out), b, r, c))
    return out


def cross_gram(z, w):
    """Z W^T (m x n) for Z (m x k) and W (n x k), or per matrix of a batch."""
    a, b, m, k = _batch(z, "z")
    w_, bw, n, kw = _batch(w, "w")
    A.same_dtype(a, w_, ("z", "w"))
    if a.ndim != w_.ndim or b != bw or k != kw:
        raise ValueError(f"z {a.shape} and w {w_.shape} must have the same batch and columns (z: m x k, w: n x k)")
    out = np.empty(_shape(a, b, m, n), dtype=a.dtype)
    f = A.prefix(a, lib().speclin_scross_gram, lib().speclin_dcross_gram)
    check(f(A.ptr(a), A.ptr(w_), A.ptr(out), b, m, n, k))
    return out


def inner_gram(z, w):
    """Z^T W (kz x kw) for Z (r x kz) and W (r x kw), or per matrix of a batch. Given the same
    array twice, one triangle is computed."""
    a, b, r, kz = _batch(z, "z")
    w_ = a if w is z else _batch(w, "w")[0]
    A.same_dtype(a, w_, ("z", "w"))
    bw, rw, kw = (1,) + w_.shape if w_.ndim == 2 else w_.shape
    if a.ndim != w_.ndim or b != bw or r != rw:
        raise ValueError(f"z {a.shape} and w {w_.shape} must have the same batch and rows (z: r x kz, w: r x kw)")
    out = np.empty(_shape(a, b, kz, kw), dtype=a.dtype)
    f = A.prefix(a, lib().speclin_sinner_gram, lib().speclin_dinner_gram)
    check(f(A.ptr(a), A.ptr(w_), A.ptr(out), b, r, kz, kw))
    return out


def _loss_options(mu, negatives, algorithm):
    if mu is None:
        mu_value = 0.0
    else:
        if isinstance(mu, bool) or not isinstance(mu, (int, float, np.floating, np.integer)):
            raise TypeError(f"mu must be a number or None, got {type(mu).__name__}")
        mu_value = float(mu)
        if not (math.isfinite(mu_value) and mu_value > 0):
            raise ValueError(f"mu must be a positive finite number (or None for no clipping), got {mu}")
    if negatives not in _NEGATIVES:
        raise ValueError(f"negatives must be 'offdiagonal' or 'all', got {negatives!r}")
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"algorithm must be 'auto', 'gram' or 'pairwise', got {algorithm!r}")
    return LossOptions(mu_value, _NEGATIVES[negatives], _ALGORITHMS[algorithm])


def spectral_loss_detailed(z, w, mu=None, negatives="offdiagonal", algorithm="auto", grad=True, out=None):
    """spectral_loss with the details: a dict { loss, positive, negative, algorithm, clipped_z,
    clipped_w, grad_z, grad_w }. `out` = (grad_z, grad_w) writes the gradients into those
    C-contiguous arrays of z's shape and dtype (no allocation)."""
    z_ = A.floats(z, "z")
    w_ = A.floats(w, "w")
    A.same_dtype(z_, w_, ("z", "w"))
    if z_.shape != w_.shape:
        raise ValueError(f"z and w must have the same shape (B x k), got {z_.shape} and {w_.shape}")
    B, k = z_.shape
    if k < 1:
        raise ValueError("z and w must have at least one column")
    if B < (2 if negatives == "offdiagonal" else 1):
        raise ValueError(f"z and w need at least 2 rows with negatives='offdiagonal' (pairs i != j), got {B}")
    options = _loss_options(mu, negatives, algorithm)
    gz = gw = None
    if grad:
        if out is not None:
            gz, gw = out
            for g, name in ((gz, "out[0]"), (gw, "out[1]")):
                if not isinstance(g, np.ndarray) or g.shape != z_.shape or g.dtype != z_.dtype or not g.flags.c_contiguous or not g.flags.writeable:
                    raise ValueError(f"{name} must be a writeable C-contiguous {z_.dtype} array of shape {z_.shape}")
        else:
            gz, gw = np.empty_like(z_), np.empty_like(w_)
    result = LossResult()
    f = A.prefix(z_, lib().speclin_sspectral_loss, lib().speclin_dspectral_loss)
    check(f(A.ptr(z_), A.ptr(w_), B, k, options, A.ptr(gz), A.ptr(gw), result))
    return {
        "loss": result.loss, "positive": result.positive, "negative": result.negative,
        "algorithm": ALGORITHM_NAMES.get(result.algorithm, "gram"),
        "clipped_z": result.clipped_z, "clipped_w": result.clipped_w, "grad_z": gz, "grad_w": gw,
    }


def spectral_loss(z, w, mu=None, negatives="offdiagonal", algorithm="auto"):
    """The spectral contrastive loss of B pairs (z_i, w_i), the rows of z and w (B x k):
        loss = -(2/B) sum_i z_i.w_i + 1/(B(B-1)) sum_{i != j} (z_i.w_j)^2
    ('all' negatives: every (i, j), scaled 1/B^2). With mu, rows of norm >= sqrt(mu) are first
    rescaled to norm sqrt(mu) and the loss is divided by mu, as the reference D(z1, z2, mu) does
    (whose own default is mu = 1; None here means no clipping). Returns (loss, grad_z, grad_w):
    the loss a Python float accumulated in float64, the gradients arrays of z's dtype."""
    r = spectral_loss_detailed(z, w, mu, negatives, algorithm)
    return r["loss"], r["grad_z"], r["grad_w"]


def top_k(queries, keys, k):
    """For each query row, the k key rows with the largest inner product: (indices int32,
    scores), each nq x k, by descending score, ties broken by the lower key index."""
    q = A.floats(queries, "queries")
    ks = A.floats(keys, "keys")
    A.same_dtype(q, ks, ("queries", "keys"))
    if q.shape[1] != ks.shape[1]:
        raise ValueError(f"queries and keys must have the same columns, got {q.shape} and {ks.shape}")
    k = A.positive_int(k, "k", ks.shape[0], "the number of keys")
    indices = np.empty((q.shape[0], k), dtype=np.int32)
    scores = np.empty((q.shape[0], k), dtype=q.dtype)
    f = A.prefix(q, lib().speclin_stop_k, lib().speclin_dtop_k)
    check(f(A.ptr(q), q.shape[0], A.ptr(ks), ks.shape[0], q.shape[1], k, A.ptr(indices), A.ptr(scores)))
    return indices, scores
