"""Verification of an embedding trained anywhere against the closed-form optimum, with the same
fields as the TypeScript verifyEmbedding and `speclin verify --json` (`--bipartite` for two
towers). With F = D^{1/2} E,
    L(E) = ||Ā - F F^T||_F^2 - ||Ā||_F^2,
so the Frobenius error comes from the loss and ||Ā||_F^2 (summed over the stored entries: Ā is
never formed), and its minimum over PSD rank-k F F^T is ||Ā||_F^2 - sum_{i<=k} max(λ_i, 0)^2.
Two towers: the same with P̄, Fx = Dx^{1/2} Ex, Ft = Dt^{1/2} Et and the singular values σ_i."""
import numpy as np

from . import _arrays as A
from .bipartite import BipartiteGraph, as_bipartite, bipartite_population_loss, svds, towers
from .graph import as_graph, eigsh, population_loss


def _orthonormal_basis(F):
    """An orthonormal basis of F's column span (SVD; directions with a singular value below 1e-10
    of the largest are numerically absent)."""
    U, s, _ = np.linalg.svd(F, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return U[:, :0]
    return U[:, s > 1e-10 * s[0]]


def principal_angles_deg(P, R):
    """The principal angles in degrees, largest first, between span(P) and span(R), one per
    dimension of span(R); directions that span(P) lacks count as 90. Each angle is
    atan2(sin, cos), the sines from U - Q (Q^T U) and the cosines from Q^T U, so that both small
    angles and angles near 90 keep their accuracy."""
    Q, U = _orthonormal_basis(P), _orthonormal_basis(R)
    u = U.shape[1]
    if u == 0:
        return np.empty(0)
    N = Q.T @ U
    cos = np.zeros(u)
    c = np.linalg.svd(N, compute_uv=False) if Q.shape[1] else np.empty(0)
    cos[: min(u, c.size)] = np.sort(c)[::-1][:u]  # descending: the smallest angles first
    sin = np.sort(np.linalg.svd(U - Q @ N, compute_uv=False))  # ascending: the same order
    angles = np.degrees(np.arctan2(sin, np.clip(cos, 0, 1)))
    return np.sort(angles)[::-1]


def verify(graph, E, Et=None, *, k=None, tol=1e-10):
    """For an embedding E (n x k', rows = nodes) of graph (a Graph, scipy.sparse matrix or CSR
    tuple), a dict: k; loss (its population loss); optimum (-sum_{i<=k} max(λ_i, 0)^2);
    relativeGap ((loss - optimum) / |optimum|); principalAnglesDeg (the k principal angles
    between span(U_k) and span(D^{1/2} E), largest first); frobeniusError
    (||Ā - F F^T||_F^2 = loss + ||Ā||_F^2); frobeniusMinimum (||Ā||_F^2 + optimum, its minimum over
    PSD rank-k F F^T); eigenvalues (Ā's top k). k defaults to E's columns.

    Two towers, as `speclin verify --bipartite`: verify(bipartite, Ex, Et) for a BipartiteGraph
    (or a scipy.sparse n_left x n_right matrix with Et given), see verify_bipartite."""
    if isinstance(graph, BipartiteGraph) or Et is not None:
        if Et is None:
            raise TypeError("verify(bipartite, Ex, Et): Et (the right tower's embedding) is missing")
        if not hasattr(Et, "shape") and not isinstance(Et, (list, tuple)):
            raise TypeError(f"verify: Et must be the right tower's embedding (an array), got {type(Et).__name__}; pass k as a keyword (k=...)")
        return verify_bipartite(graph, E, Et, k=k, tol=tol)
    g = as_graph(graph)
    e = A.floats(E, "E")
    if e.shape[0] != g.n:
        raise ValueError(f"E has {e.shape[0]} rows; expected {g.n} (one per node of the graph)")
    _check_finite(e, "E")
    k = A.positive_int(e.shape[1] if k is None else k, "k", g.n, "n")
    loss, _ = population_loss(g, e)
    eig = eigsh(g, k, tol=tol)
    optimum = -float(np.sum(np.maximum(eig.values, 0) ** 2))
    norm2 = g.normalized_frobenius2()
    F = np.sqrt(g.marginals)[:, None] * e.astype(np.float64)
    return {
        "k": k,
        "loss": loss,
        "optimum": optimum,
        "relativeGap": (loss - optimum) / abs(optimum),
        "principalAnglesDeg": principal_angles_deg(F, eig.vectors).tolist(),
        "frobeniusError": loss + norm2,
        "frobeniusMinimum": norm2 + optimum,
        "eigenvalues": eig.values.tolist(),
    }


def _check_finite(e, name):
    bad = np.flatnonzero(~np.isfinite(e).all(axis=1))
    if bad.size:
        raise ValueError(f"{name}: row {bad[0]} (0-based) holds a NaN or infinite value; expected finite values in every row")


def verify_bipartite(graph, Ex, Et, k=None, tol=1e-10):
    """Two towers Ex (n_left x k', row i = left node i) and Et (n_right x k') of a bipartite graph
    (a BipartiteGraph or a scipy.sparse n_left x n_right matrix) against P̄'s top-k singular
    triplets, the fields of `speclin verify --bipartite --json`: k; loss (the two-tower population
    loss); optimum (-sum_{i<=k} σ_i^2); relativeGap; principalAnglesDegLeft (between span(U_k) and
    span(Dx^{1/2} Ex), largest first); principalAnglesDegRight (span(V_k) and span(Dt^{1/2} Et));
    frobeniusError (||P̄ - Fx Ft^T||_F^2 = loss + ||P̄||_F^2); frobeniusMinimum
    (||P̄||_F^2 - sum_{i<=k} σ_i^2); singularValues. k defaults to the towers' columns."""
    g = as_bipartite(graph)
    x, t = towers(g, Ex, Et)
    _check_finite(x, "Ex")
    _check_finite(t, "Et")
    k = A.positive_int(x.shape[1] if k is None else k, "k", min(g.n_left, g.n_right), "min(n_left, n_right)")
    loss, _, _ = bipartite_population_loss(g, x, t)
    svd = svds(g, k, tol=tol)
    optimum = -float(np.sum(svd.values**2))
    norm2 = g.normalized_frobenius2()
    Fx = np.sqrt(g.marginals_left)[:, None] * x.astype(np.float64)
    Ft = np.sqrt(g.marginals_right)[:, None] * t.astype(np.float64)
    return {
        "k": k,
        "loss": loss,
        "optimum": optimum,
        "relativeGap": (loss - optimum) / abs(optimum),
        "principalAnglesDegLeft": principal_angles_deg(Fx, svd.left).tolist(),
        "principalAnglesDegRight": principal_angles_deg(Ft, svd.right).tolist(),
        "frobeniusError": loss + norm2,
        "frobeniusMinimum": norm2 + optimum,
        "singularValues": svd.values.tolist(),
    }
