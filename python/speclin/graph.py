"""Graphs in native memory and what is computed on them: Ā = D^{-1/2} A D^{-1/2}, its top
eigenpairs (eigsh, also on any operator given as a Python callable), the population loss and the
closed-form optimum of spectral contrastive learning (DESIGN.md)."""
import ctypes
import math
from collections import namedtuple

import numpy as np

from . import _arrays as A
from ._library import OPERATOR, EigshInfo, EigshOptions, NativeHandle, SpeclinError, check, lib

_SYMMETRIZE = {"none": 0, "average": 1, "max": 2}

EigshResult = namedtuple("EigshResult", "values vectors residuals matvecs iterations")
ClosedForm = namedtuple("ClosedForm", "loss eigenvalues embedding")


class Graph(NativeHandle):
    """A weighted undirected graph (symmetric nonnegative A), copied once into native memory.

    `csr`: a scipy.sparse matrix (any format; converted to CSR) or a tuple (indptr, indices, data)
    of an n x n CSR matrix (data may be None: unit weights). The graph's dtype is the weights'
    (float32 stays float32; anything else becomes float64). symmetrize: 'none' (an asymmetric A
    is an error), 'average' or 'max'. Every node needs an edge (D^{-1/2} must exist)."""

    _free = "speclin_graph_free"

    def __init__(self, csr, symmetrize="none"):
        if symmetrize not in _SYMMETRIZE:
            raise ValueError(f"symmetrize must be 'none', 'average' or 'max', got {symmetrize!r}")
        indptr, indices, data, n, _ = csr_arrays(csr)
        values = csr_values(data, indices)
        handle = ctypes.c_void_p()
        f32 = values is not None and values.dtype == np.float32
        f = lib().speclin_sgraph_from_csr if f32 else lib().speclin_dgraph_from_csr
        self._handle = None
        check(f(n, A.ptr(indptr), A.ptr(indices), A.ptr(values), _SYMMETRIZE[symmetrize], ctypes.byref(handle)))
        self._handle = handle
        size, nnz, value_bytes = ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_size_t()
        check(lib().speclin_graph_info(handle, ctypes.byref(size), ctypes.byref(nnz), ctypes.byref(value_bytes)))
        self.n, self.nnz = size.value, nnz.value
        self.dtype = np.dtype(np.float32 if value_bytes.value == 4 else np.float64)

    @property
    def degrees(self):
        """Row sums of A, float64."""
        d = np.empty(self.n)
        check(lib().speclin_graph_degrees(self._h(), A.ptr(d)))
        return d

    @property
    def marginals(self):
        """p(x): the degrees divided by their sum."""
        p = np.empty(self.n)
        check(lib().speclin_graph_marginals(self._h(), A.ptr(p)))
        return p

    def normalized_multiply(self, x):
        """Ā X for X (n or n x c), float64."""
        a = A.floats(x, "x", ndim=(1, 2), dtype=np.float64)
        if a.shape[0] != self.n:
            raise ValueError(f"x has {a.shape[0]} rows; expected n = {self.n}")
        if a.size == 0:
            return np.empty_like(a)
        out = np.empty_like(a)
        check(lib().speclin_graph_normalized_multiply(self._h(), A.ptr(a), A.ptr(out), 1 if a.ndim == 1 else a.shape[1]))
        return out

    def normalized_frobenius2(self):
        """||Ā||_F^2 = sum_ij A_ij^2 / (d_i d_j), from the stored entries in O(nnz)."""
        out = ctypes.c_double()
        check(lib().speclin_graph_normalized_frobenius2(self._h(), ctypes.byref(out)))
        return out.value


def csr_arrays(csr, bipartite=False, n_right=None):
    """(indptr, indices, data, rows, cols) of a scipy.sparse matrix or an (indptr, indices, data)
    tuple, checked, in the C ABI's index types. A graph's matrix is square; a bipartite one's
    columns come from the matrix's shape or, for a tuple, n_right."""
    if hasattr(csr, "tocsr") and hasattr(csr, "shape"):
        m = csr.tocsr()
        if not bipartite and m.shape[0] != m.shape[1]:
            raise ValueError(f"the graph's matrix must be square (n x n), got {m.shape}")
        indptr, indices, data, rows, cols = m.indptr, m.indices, m.data, m.shape[0], m.shape[1]
    elif isinstance(csr, tuple) and len(csr) == 3:
        indptr, indices, data = csr
        rows = cols = None
        if bipartite:
            if n_right is None:
                raise TypeError("a bipartite graph given as (indptr, indices, data) needs n_right, the number of right nodes")
            cols = A.positive_int(n_right, "n_right")
    else:
        kind = "speclin.BipartiteGraph" if bipartite else "speclin.Graph"
        raise TypeError(f"the graph must be a {kind}, a scipy.sparse matrix or a tuple (indptr, indices, data)")
    indptr = np.asarray(indptr)
    indices = np.asarray(indices)
    if indptr.dtype.kind not in "iu" or indptr.ndim != 1:
        raise TypeError(f"indptr must be a 1-D integer array, got dtype {indptr.dtype} and shape {indptr.shape}")
    if indices.dtype.kind not in "iu" or indices.ndim != 1:
        raise TypeError(f"indices must be a 1-D integer array, got dtype {indices.dtype} and shape {indices.shape}")
    if indptr.shape[0] < 1:
        raise ValueError("indptr must have n + 1 entries")
    rows = indptr.shape[0] - 1 if rows is None else rows
    cols = rows if cols is None else cols
    if indptr.shape[0] != rows + 1:
        raise ValueError(f"indptr has {indptr.shape[0]} entries but n + 1 = {rows + 1} were expected")
    bound = f"n_right = {cols}" if bipartite else f"n = {cols}"
    if indices.size and (indices.min() < 0 or indices.max() >= cols):
        raise ValueError(f"indices must be in [0, {bound})")
    if int(indptr[-1]) != indices.shape[0]:
        raise ValueError(f"indptr[n] = {int(indptr[-1])} but indices has {indices.shape[0]} entries")
    # The C ABI's index types (int64 row pointers, int32 columns); a copy only where they differ.
    return np.ascontiguousarray(indptr, dtype=np.int64), np.ascontiguousarray(indices, dtype=np.int32), data, rows, cols


def csr_values(data, indices):
    """The weights as float32 or float64 (None: unit weights), one per index."""
    values = None if data is None else A.floats(data, "data", ndim=1)
    if values is not None and values.shape[0] != indices.shape[0]:
        raise ValueError(f"data has {values.shape[0]} entries but indices has {indices.shape[0]}")
    return values


def as_graph(graph, name="graph"):
    """A Graph as is; a scipy.sparse matrix or an (indptr, indices, data) tuple built into one."""
    if isinstance(graph, Graph):
        return graph
    return Graph(graph)


def eigsh_options(tol, max_iterations, block_size, seed, deflate):
    o = EigshOptions()
    lib().speclin_eigsh_options_init(ctypes.byref(o))
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number, got {tol!r}")
    o.tol = float(tol)
    o.max_iterations = A.positive_int(max_iterations, "max_iterations")
    if block_size is not None:
        o.block_size = A.positive_int(block_size, "block_size")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a nonnegative integer, got {seed!r}")
    o.seed = int(seed)
    o.deflate_components = 1 if deflate else 0
    return o


def _solve(call, n, k):
    values, vectors, residuals, info = np.empty(k), np.empty((n, k)), np.empty(k), EigshInfo()
    status = call(A.ptr(values), A.ptr(vectors), A.ptr(residuals), ctypes.byref(info))
    c = info.converged
    partial = EigshResult(values[:c].copy(), vectors[:, :c].copy(), residuals[:c].copy(), info.matvecs, info.iterations)
    check(status, partial)
    return EigshResult(values, vectors, residuals, info.matvecs, info.iterations)


def eigsh(graph, k, tol=1e-8, max_iterations=10000, block_size=None, seed=0, deflate=True, n=None, norm_bound=0.0):
    """The k algebraically largest eigenpairs, as EigshResult(values (descending), vectors (n x k),
    residuals, matvecs, iterations).

    `graph`: a Graph, a scipy.sparse matrix or (indptr, indices, data): the eigenpairs of its
    normalized adjacency Ā = D^{-1/2} A D^{-1/2}, each connected component's eigenvalue 1
    deflated exactly unless deflate=False. Or a callable op(X) -> A X (X: n x columns float64;
    pass n, and norm_bound if ||A|| is known): a symmetric operator of your own.
    tol bounds ||A v - λ v|| relative to ||A||. Not converged: SpeclinError with code
    'ERR_NOT_CONVERGED' and the converged pairs in .partial."""
    if callable(graph) and not isinstance(graph, Graph):
        return _eigsh_callable(graph, k, n, tol, max_iterations, block_size, seed, norm_bound)
    g = as_graph(graph)
    k = A.positive_int(k, "k", g.n, "n")
    o = eigsh_options(tol, max_iterations, block_size, seed, deflate)
    return _solve(lambda v, x, r, info: lib().speclin_graph_eigsh(g._h(), k, ctypes.byref(o), v, x, r, info), g.n, k)


def _eigsh_callable(op, k, n, tol, max_iterations, block_size, seed, norm_bound):
    if n is None:
        raise TypeError("eigsh(op, k): pass n, the operator's size, with a callable operator")
    n = A.positive_int(n, "n")
    k = A.positive_int(k, "k", n, "n")
    o = eigsh_options(tol, max_iterations, block_size, seed, False)
    failure = []

    def multiply(_user, x, y, columns):
        try:
            X = np.ctypeslib.as_array(x, shape=(n, columns))
            Y = np.ctypeslib.as_array(y, shape=(n, columns))
            r = np.asarray(op(X.copy()), dtype=np.float64)
            if r.shape != (n, columns):
                raise ValueError(f"the operator returned shape {r.shape}; expected {(n, columns)}")
            Y[...] = r
            return 0
        except BaseException as e:  # an exception must not unwind through C
            failure.append(e)
            return 1

    callback = OPERATOR(multiply)
    try:
        return _solve(lambda v, x, r, info: lib().speclin_eigsh(n, callback, None, float(norm_bound), k, ctypes.byref(o), v, x, r, info), n, k)
    except SpeclinError as e:
        if e.code == "ERR_CALLBACK" and failure:
            raise failure[0]
        raise


def population_loss(graph, E, Et=None):
    """(loss, grad) of embedding E (n x k, row i = node i): L = -2 tr(E^T A E) + ||E^T D E||_F^2,
    A scaled to sum 1 and D = diag(marginals), in float64; grad = -4 A E + 4 D E (E^T D E) in E's
    dtype. For a BipartiteGraph (or with Et given), the two-tower loss of towers E (n_left x k)
    and Et (n_right x k): (loss, grad_left, grad_right), see bipartite_population_loss."""
    from .bipartite import BipartiteGraph, bipartite_population_loss

    if isinstance(graph, BipartiteGraph) or Et is not None:
        if Et is None:
            raise TypeError("population_loss(bipartite, Ex, Et): Et (the right tower) is missing")
        return bipartite_population_loss(graph, E, Et)
    g = as_graph(graph)
    e = A.floats(E, "E")
    if e.shape[0] != g.n:
        raise ValueError(f"E has {e.shape[0]} rows; expected {g.n} (one per node of the graph)")
    if e.shape[1] < 1:
        raise ValueError("E must have at least one column")
    loss, grad = ctypes.c_double(), np.empty_like(e)
    f = A.prefix(e, lib().speclin_spopulation_loss, lib().speclin_dpopulation_loss)
    check(f(g._h(), A.ptr(e), e.shape[1], ctypes.byref(loss), A.ptr(grad)))
    return loss.value, grad


def closed_form_optimum(graph, k, tol=1e-10, max_iterations=10000, seed=0):
    """ClosedForm(loss, eigenvalues, embedding): min L = -sum_{i<=k} max(λ_i, 0)^2 over
    k-dimensional embeddings, Ā's top-k eigenvalues, and E* = D^{-1/2} U_k max(Λ_k, 0)^{1/2}
    (n x k). Negative eigenvalues are never kept (the best PSD rank-k approximation of Ā).
    For a BipartiteGraph: ClosedFormBipartite(loss, singular_values, left, right), see
    bipartite_closed_form_optimum."""
    from .bipartite import BipartiteGraph, bipartite_closed_form_optimum

    if isinstance(graph, BipartiteGraph):
        return bipartite_closed_form_optimum(graph, k, tol=tol, max_iterations=max_iterations, seed=seed)
    g = as_graph(graph)
    k = A.positive_int(k, "k", g.n, "n")
    o = eigsh_options(tol, max_iterations, None, seed, True)
    loss, values, embedding = ctypes.c_double(), np.empty(k), np.empty((g.n, k))
    check(lib().speclin_closed_form_optimum(g._h(), k, ctypes.byref(o), ctypes.byref(loss), A.ptr(values), A.ptr(embedding)))
    return ClosedForm(loss.value, values, embedding)
