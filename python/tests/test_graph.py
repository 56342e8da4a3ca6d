"""Graphs, eigsh, the population loss, the closed-form optimum and verify from NumPy/SciPy,
against dense float64 references (numpy.linalg.eigh on the dense Ā, scipy.linalg.subspace_angles).

Tolerances: eigenvalues 1e-9 (eigsh's tol 1e-8 bounds the residual; a symmetric problem's
eigenvalue error is of the order of the residual squared, so 1e-9 is loose); anything computed
from the closed-form solve (tol 1e-10) 1e-10; products and losses in float64 1e-12 relative."""
import numpy as np
import pytest

import speclin

scipy_sparse = pytest.importorskip("scipy.sparse")
scipy_linalg = pytest.importorskip("scipy.linalg")

rng = np.random.default_rng(3)


def random_graph(n=60, density=0.15, components=1, seed=0):
    r = np.random.default_rng(seed)
    blocks = []
    for c in range(components):
        m = n // components
        M = (r.random((m, m)) < density) * r.uniform(0.5, 2.0, (m, m))
        M = np.triu(M, 1)
        M = M + M.T
        for i in range(m):  # a ring keeps every node connected
            j = (i + 1) % m
            M[i, j] = M[j, i] = max(M[i, j], 1.0)
        blocks.append(M)
    return scipy_linalg.block_diag(*blocks)


def dense_parts(A):
    d = A.sum(axis=1)
    Abar = A / np.sqrt(np.outer(d, d))
    lam, U = np.linalg.eigh(Abar)
    return d, Abar, lam[::-1], U[:, ::-1]


def test_graph_from_scipy_and_tuples():
    A = random_graph()
    d, Abar, _, _ = dense_parts(A)
    for source in (scipy_sparse.csr_matrix(A), scipy_sparse.coo_matrix(A), (scipy_sparse.csr_matrix(A).indptr, scipy_sparse.csr_matrix(A).indices, scipy_sparse.csr_matrix(A).data)):
        g = speclin.Graph(source)
        assert g.n == 60 and g.dtype == np.float64 and g.nnz == np.count_nonzero(A)
        assert np.abs(g.degrees - d).max() < 1e-12
        assert np.abs(g.marginals - d / d.sum()).max() < 1e-15
        X = rng.standard_normal((60, 3))
        assert np.abs(g.normalized_multiply(X) - Abar @ X).max() < 1e-12
        assert np.abs(g.normalized_multiply(X[:, 0]) - Abar @ X[:, 0]).max() < 1e-12
        assert abs(g.normalized_frobenius2() - np.sum(Abar * Abar)) < 1e-12 * np.sum(Abar * Abar)
    g32 = speclin.Graph(scipy_sparse.csr_matrix(A.astype(np.float32)))
    assert g32.dtype == np.float32
    g32.close()
    with pytest.raises(ValueError, match="closed"):
        g32.degrees


def test_graph_errors_name_the_problem():
    A = scipy_sparse.csr_matrix(np.array([[0, 1.0], [2.0, 0]]))
    with pytest.raises(speclin.SpeclinValueError, match="not symmetric") as e:
        speclin.Graph(A)
    assert e.value.code == "ERR_GRAPH"
    assert speclin.Graph(A, symmetrize="average").degrees.tolist() == [1.5, 1.5]
    with pytest.raises(ValueError, match="symmetrize must be"):
        speclin.Graph(A, symmetrize="min")
    with pytest.raises(speclin.SpeclinValueError, match="ERR_ISOLATED_NODES"):
        speclin.Graph(scipy_sparse.csr_matrix(np.array([[0, 1.0, 0], [1.0, 0, 0], [0, 0, 0]])))
    with pytest.raises(ValueError, match="square"):
        speclin.Graph(scipy_sparse.csr_matrix(np.ones((2, 3))))
    with pytest.raises(TypeError, match="scipy.sparse matrix or a tuple"):
        speclin.Graph(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"indptr\[n\] = 2 but indices has 1"):
        speclin.Graph((np.array([0, 1, 2]), np.array([1]), None))
    with pytest.raises(ValueError, match="indices must be in"):
        speclin.Graph((np.array([0, 1, 2]), np.array([1, 2]), None))
    with pytest.raises(TypeError, match="indices must be a 1-D integer array"):
        speclin.Graph((np.array([0, 1, 2]), np.array([1.0, 0.0]), None))
    with pytest.raises(speclin.SpeclinValueError, match=r"values\[1\]"):
        speclin.Graph((np.array([0, 1, 2]), np.array([1, 0]), np.array([1.0, -1.0])))


def test_eigsh_on_a_graph_and_on_a_callable_against_eigh():
    A = random_graph(components=2)
    _, Abar, lam, _ = dense_parts(A)
    r = speclin.eigsh(scipy_sparse.csr_matrix(A), 5)
    assert np.abs(r.values - lam[:5]).max() < 1e-9
    assert abs(r.values[0] - 1) < 1e-12 and abs(r.values[1] - 1) < 1e-12  # two components, deflated exactly
    res = np.linalg.norm(Abar @ r.vectors - r.vectors * r.values, axis=0)
    assert res.max() < 1e-8 and np.abs(res - r.residuals).max() < 1e-9
    assert np.abs(r.vectors.T @ r.vectors - np.eye(5)).max() < 1e-10
    calls = []

    def op(X):
        calls.append(X.shape[1])
        return Abar @ X

    c = speclin.eigsh(op, 5, n=60, norm_bound=1.0)
    assert calls and np.abs(c.values - lam[:5]).max() < 1e-9
    with pytest.raises(TypeError, match="pass n"):
        speclin.eigsh(op, 2)
    with pytest.raises(ValueError, match="k = 61 exceeds n = 60"):
        speclin.eigsh(op, 61, n=60)
    with pytest.raises(ZeroDivisionError):  # the operator's own exception comes back as is
        speclin.eigsh(lambda X: 1 / 0, 2, n=60)
    with pytest.raises(ValueError, match="tol must be"):
        speclin.eigsh(scipy_sparse.csr_matrix(A), 2, tol=0)


def test_eigsh_not_converged_carries_the_partial_result():
    n = 300
    diag = 1.0 - 1e-4 * np.arange(n)
    with pytest.raises(speclin.SpeclinError) as e:
        speclin.eigsh(lambda X: diag[:, None] * X, 8, n=n, max_iterations=2)
    assert e.value.code == "ERR_NOT_CONVERGED"
    p = e.value.partial
    assert p.values.shape[0] < 8 and p.vectors.shape == (n, p.values.shape[0])


def test_population_loss_and_closed_form_against_dense():
    A = random_graph(n=50, seed=4)
    d, Abar, lam, U = dense_parts(A)
    S = A.sum()
    p = d / S
    k = 4
    for dtype in (np.float64, np.float32):
        E = rng.standard_normal((50, k)).astype(dtype)
        E64 = E.astype(np.float64)
        M = E64.T @ (p[:, None] * E64)
        want = -2 * np.trace(E64.T @ (A / S) @ E64) + np.sum(M * M)
        grad_want = -4 * (A / S) @ E64 + 4 * p[:, None] * E64 @ M
        loss, grad = speclin.population_loss(scipy_sparse.csr_matrix(A), E)
        assert abs(loss - want) < 1e-12 * abs(want)
        assert grad.dtype == dtype
        assert np.abs(grad - grad_want).max() < (1e-12 if dtype == np.float64 else 1e-6) * np.abs(grad_want).max()
    opt = speclin.closed_form_optimum(scipy_sparse.csr_matrix(A), k)
    assert abs(opt.loss + np.sum(np.maximum(lam[:k], 0) ** 2)) < 1e-10
    assert np.abs(opt.eigenvalues - lam[:k]).max() < 1e-10
    assert abs(speclin.population_loss(scipy_sparse.csr_matrix(A), opt.embedding)[0] - opt.loss) < 1e-10
    with pytest.raises(ValueError, match="E has 49 rows; expected 50"):
        speclin.population_loss(scipy_sparse.csr_matrix(A), np.zeros((49, 2)))


def test_verify_against_dense_quantities():
    A = random_graph(n=50, seed=5)
    d, Abar, lam, U = dense_parts(A)
    p = d / d.sum()
    k = 3
    g = speclin.Graph(scipy_sparse.csr_matrix(A))
    E = rng.standard_normal((50, k))
    v = speclin.verify(g, E)
    F = np.sqrt(p)[:, None] * E
    assert set(v) == {"k", "loss", "optimum", "relativeGap", "principalAnglesDeg", "frobeniusError", "frobeniusMinimum", "eigenvalues"}
    assert v["k"] == k
    assert abs(v["frobeniusError"] - np.sum((Abar - F @ F.T) ** 2)) < 1e-10
    assert abs(v["frobeniusMinimum"] - (np.sum(Abar**2) - np.sum(np.maximum(lam[:k], 0) ** 2))) < 1e-10
    assert abs(v["optimum"] + np.sum(np.maximum(lam[:k], 0) ** 2)) < 1e-10
    assert abs(v["relativeGap"] - (v["loss"] - v["optimum"]) / abs(v["optimum"])) < 1e-15
    # scipy's angles (largest first) between the optimal subspace and span(F): 1e-6 degrees is the
    # accuracy of eigenvectors with residual 1e-10 separated by a gap of ~0.1.
    want = np.degrees(scipy_linalg.subspace_angles(F, U[:, :k]))
    assert np.abs(np.array(v["principalAnglesDeg"]) - want).max() < 1e-6
    # The optimum verifies as optimal: gap 0, angles 0, error at its minimum.
    opt = speclin.closed_form_optimum(g, k)
    vo = speclin.verify(g, opt.embedding)
    assert abs(vo["relativeGap"]) < 1e-9 and max(vo["principalAnglesDeg"]) < 1e-4
    assert abs(vo["frobeniusError"] - vo["frobeniusMinimum"]) < 1e-10
    # k larger than E's columns: the missing directions count as 90 degrees.
    vk = speclin.verify(g, E[:, :2], k=3)
    assert vk["k"] == 3 and vk["principalAnglesDeg"][0] == 90.0
    bad = E.copy()
    bad[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"E: row 7 \(0-based\) holds a NaN"):
        speclin.verify(g, bad)
    with pytest.raises(ValueError, match="E has 40 rows; expected 50"):
        speclin.verify(g, E[:40])
    with pytest.raises(ValueError, match="k = 51 exceeds n = 50"):
        speclin.verify(g, E, k=51)


def test_verify_keeps_only_positive_eigenvalues():
    # A bipartite graph: Ā's spectrum is symmetric, -1 included. With k = n every eigenvalue is in
    # the top k, and the optimum keeps max(λ, 0) only: frobeniusMinimum = sum of the negative λ^2.
    n = 6
    A = np.zeros((n, n))
    for i in range(n):
        A[i, (i + 1) % n] = A[(i + 1) % n, i] = 1.0
    _, Abar, lam, _ = dense_parts(A)
    v = speclin.verify(scipy_sparse.csr_matrix(A), rng.standard_normal((n, n)))
    assert min(v["eigenvalues"]) < -0.99
    assert abs(v["frobeniusMinimum"] - np.sum(np.minimum(lam, 0) ** 2)) < 1e-10
    assert abs(v["optimum"] + np.sum(np.maximum(lam, 0) ** 2)) < 1e-10


def test_verify_agrees_with_the_typescript_cli(tmp_path):
    """speclin.verify and `speclin verify --json` (TypeScript, the same files) are two
    implementations of one definition: they agree to 1e-9 (both solve to tol 1e-10; the angles'
    relative accuracy is the eigenvectors')."""
    import json
    import os
    import shutil
    import subprocess

    node = shutil.which("node")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if node is None or not os.path.isdir(os.path.join(root, "node_modules", "tsx")):
        pytest.skip("node with the repository's node_modules is needed to run the CLI")
    scipy_io = pytest.importorskip("scipy.io")
    A = scipy_sparse.csr_matrix(random_graph(n=80, seed=9))
    E = rng.standard_normal((80, 3)).astype(np.float32)
    scipy_io.mmwrite(str(tmp_path / "G.mtx"), A, symmetry="symmetric")
    np.save(tmp_path / "E.npy", E)
    r = subprocess.run([node, "--import", "tsx", os.path.join(root, "src", "cli.ts"), "verify", "--graph", str(tmp_path / "G.mtx"),
                        "--embedding", str(tmp_path / "E.npy"), "--json"], cwd=root, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    py = speclin.verify(A, E)
    assert cli["k"] == py["k"] == 3
    for key in ("loss", "optimum", "relativeGap", "frobeniusError", "frobeniusMinimum"):
        assert abs(cli[key] - py[key]) <= 1e-9 * max(1.0, abs(py[key])), key
    assert np.abs(np.array(cli["principalAnglesDeg"]) - py["principalAnglesDeg"]).max() < 1e-6
    assert np.abs(np.array(cli["eigenvalues"]) - py["eigenvalues"]).max() < 1e-9
