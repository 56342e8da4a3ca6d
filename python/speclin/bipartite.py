"""Bipartite (two-tower, CLIP) graphs in native memory and what is computed on them (DESIGN.md):
P̄ = D_x^{-1/2} P D_t^{-1/2}, its top singular triplets (svds), the two-tower population loss
L(Ex, Et) = -2 tr(Ex^T P Et) + <Ex^T Dx Ex, Et^T Dt Et>_F and its closed-form optimum
-sum_{i<=k} σ_i^2 at E_x* = D_x^{-1/2} U_k Σ_k^{1/2}, E_t* = D_t^{-1/2} V_k Σ_k^{1/2}."""
import ctypes
from collections import namedtuple

import numpy as np

from . import _arrays as A
from ._library import EigshInfo, NativeHandle, check, lib
from .graph import csr_arrays, csr_values, eigsh_options

SvdsResult = namedtuple("SvdsResult", "values left right residuals matvecs iterations")
ClosedFormBipartite = namedtuple("ClosedFormBipartite", "loss singular_values left right")


class BipartiteGraph(NativeHandle):
    """The joint weights P (n_left x n_right, nonnegative) of two kinds of nodes, e.g. images and
    texts, copied once into native memory.

    `csr`: a scipy.sparse matrix (any format; converted to CSR; its shape gives n_left x n_right)
    or a tuple (indptr, indices, data) of an n_left x n_right CSR matrix together with n_right
    (data may be None: unit weights). The dtype is the weights' (float32 stays float32; anything
    else becomes float64). Every node of both sides needs an entry."""

    _free = "speclin_bipartite_free"

    def __init__(self, csr, n_right=None):
        indptr, indices, data, rows, cols = csr_arrays(csr, bipartite=True, n_right=n_right)
        values = csr_values(data, indices)
        handle = ctypes.c_void_p()
        f32 = values is not None and values.dtype == np.float32
        f = lib().speclin_sbipartite_from_csr if f32 else lib().speclin_dbipartite_from_csr
        self._handle = None
        check(f(rows, cols, A.ptr(indptr), A.ptr(indices), A.ptr(values), ctypes.byref(handle)))
        self._handle = handle
        nl, nr, nnz, value_bytes = ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_size_t()
        check(lib().speclin_bipartite_info(handle, ctypes.byref(nl), ctypes.byref(nr), ctypes.byref(nnz), ctypes.byref(value_bytes)))
        self.n_left, self.n_right, self.nnz = nl.value, nr.value, nnz.value
        self.dtype = np.dtype(np.float32 if value_bytes.value == 4 else np.float64)

    def _marginals(self):
        left, right = np.empty(self.n_left), np.empty(self.n_right)
        check(lib().speclin_bipartite_marginals(self._h(), A.ptr(left), A.ptr(right)))
        return left, right

    @property
    def marginals_left(self):
        """p(x): P's row sums over its total, float64."""
        return self._marginals()[0]

    @property
    def marginals_right(self):
        """p(t): P's column sums over its total, float64."""
        return self._marginals()[1]

    def normalized_multiply(self, x, transpose=False):
        """P̄ X (X: n_right or n_right x c) or, with transpose, P̄^T X (X: n_left rows), float64."""
        a = A.floats(x, "x", ndim=(1, 2), dtype=np.float64)
        rows, out_rows = (self.n_left, self.n_right) if transpose else (self.n_right, self.n_left)
        if a.shape[0] != rows:
            side = "n_left" if transpose else "n_right"
            raise ValueError(f"x has {a.shape[0]} rows; expected {side} = {rows}")
        out = np.empty((out_rows,) + a.shape[1:])
        if a.size == 0:
            return out
        columns = 1 if a.ndim == 1 else a.shape[1]
        check(lib().speclin_bipartite_normalized_multiply(self._h(), 1 if transpose else 0, A.ptr(a), A.ptr(out), columns))
        return out

    def normalized_frobenius2(self):
        """||P̄||_F^2 = sum_ij P_ij^2 / (dx_i dt_j), from the stored entries in O(nnz)."""
        out = ctypes.c_double()
        check(lib().speclin_bipartite_normalized_frobenius2(self._h(), ctypes.byref(out)))
        return out.value


def as_bipartite(graph):
    """A BipartiteGraph as is; a scipy.sparse matrix built into one."""
    if isinstance(graph, BipartiteGraph):
        return graph
    return BipartiteGraph(graph)


def svds(graph, k, tol=1e-8, max_iterations=10000, block_size=None, seed=0):
    """The k largest singular triplets of P̄, as SvdsResult(values (descending), left (n_left x k),
    right (n_right x k), residuals (||P̄ v - σ u||), matvecs, iterations). Block Lanczos on
    P̄ P̄^T or P̄^T P̄, whichever is smaller, tol relative to ||P̄||^2 = 1. Nothing is deflated: each
    connected component has the singular value 1. Not converged: SpeclinError with code
    'ERR_NOT_CONVERGED' and the converged triplets in .partial."""
    g = as_bipartite(graph)
    k = A.positive_int(k, "k", min(g.n_left, g.n_right), "min(n_left, n_right)")
    o = eigsh_options(tol, max_iterations, block_size, seed, False)
    values, left, right, residuals, info = np.empty(k), np.empty((g.n_left, k)), np.empty((g.n_right, k)), np.empty(k), EigshInfo()
    status = lib().speclin_bipartite_svds(g._h(), k, ctypes.byref(o), A.ptr(values), A.ptr(left), A.ptr(right), A.ptr(residuals), ctypes.byref(info))
    c = info.converged
    partial = SvdsResult(values[:c].copy(), left[:, :c].copy(), right[:, :c].copy(), residuals[:c].copy(), info.matvecs, info.iterations)
    check(status, partial)
    return SvdsResult(values, left, right, residuals, info.matvecs, info.iterations)


def towers(g, Ex, Et):
    """Ex (n_left x k) and Et (n_right x k) checked, in one dtype (a float32 tower is widened to
    float64 when the other is float64, as the TypeScript verifyEmbedding does)."""
    x = A.floats(Ex, "Ex")
    t = A.floats(Et, "Et")
    if x.shape[0] != g.n_left:
        raise ValueError(f"Ex has {x.shape[0]} rows; expected {g.n_left} (one per left node of the graph)")
    if t.shape[0] != g.n_right:
        raise ValueError(f"Et has {t.shape[0]} rows; expected {g.n_right} (one per right node of the graph)")
    if x.shape[1] < 1:
        raise ValueError("Ex must have at least one column")
    if x.shape[1] != t.shape[1]:
        raise ValueError(f"Ex and Et must have the same number of columns; got {x.shape[1]} and {t.shape[1]}")
    if x.dtype != t.dtype:
        x, t = x.astype(np.float64), t.astype(np.float64)
    return x, t


def bipartite_population_loss(graph, Ex, Et):
    """(loss, grad_left, grad_right) of the towers Ex (n_left x k) and Et (n_right x k):
    L = -2 tr(Ex^T P Et) + <Ex^T Dx Ex, Et^T Dt Et>_F, P scaled to sum 1, in float64; the
    gradients -2 P Et + 2 Dx Ex (Et^T Dt Et) and -2 P^T Ex + 2 Dt Et (Ex^T Dx Ex) in the towers'
    dtype."""
    g = as_bipartite(graph)
    x, t = towers(g, Ex, Et)
    loss, gl, gr = ctypes.c_double(), np.empty_like(x), np.empty_like(t)
    f = A.prefix(x, lib().speclin_sbipartite_population_loss, lib().speclin_dbipartite_population_loss)
    check(f(g._h(), A.ptr(x), A.ptr(t), x.shape[1], ctypes.byref(loss), A.ptr(gl), A.ptr(gr)))
    return loss.value, gl, gr


def bipartite_closed_form_optimum(graph, k, tol=1e-10, max_iterations=10000, seed=0):
    """ClosedFormBipartite(loss, singular_values, left, right): min L = -sum_{i<=k} σ_i^2 over
    k-dimensional towers, P̄'s top-k singular values, E_x* = D_x^{-1/2} U_k Σ_k^{1/2}
    (n_left x k) and E_t* = D_t^{-1/2} V_k Σ_k^{1/2} (n_right x k)."""
    g = as_bipartite(graph)
    k = A.positive_int(k, "k", min(g.n_left, g.n_right), "min(n_left, n_right)")
    o = eigsh_options(tol, max_iterations, None, seed, False)
    loss, values, left, right = ctypes.c_double(), np.empty(k), np.empty((g.n_left, k)), np.empty((g.n_right, k))
    check(lib().speclin_bipartite_closed_form_optimum(g._h(), k, ctypes.byref(o), ctypes.byref(loss), A.ptr(values), A.ptr(left), A.ptr(right)))
    return ClosedFormBipartite(loss.value, values, left, right)
