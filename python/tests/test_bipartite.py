"""Two towers from NumPy/SciPy: BipartiteGraph, svds, the two-tower population loss, its closed-form
optimum and verify(bipartite, Ex, Et), against dense float64 references (numpy.linalg.svd of the
dense P̄, the loss and gradients by their formulas, scipy.linalg.subspace_angles), and against the
TypeScript `speclin verify --bipartite --json` on the same files.

Tolerances: singular values 1e-9 (svds's tol 1e-8 bounds the Gram residual; σ^2's error is of its
square or better); anything computed from the closed-form solve (tol 1e-10) 1e-10; products and
losses in float64 1e-12 relative; float32 gradients 1e-6 (their rounding, 6e-8, and the float32
inputs' products summed in float64)."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

import speclin

scipy_sparse = pytest.importorskip("scipy.sparse")
scipy_linalg = pytest.importorskip("scipy.linalg")

rng = np.random.default_rng(11)


def random_pairs(nl=30, nr=45, density=0.3, seed=0):
    """A connected nonnegative P: a cover (left i to right i mod nr, right j to left j mod nl)
    plus random weights, so that every node has an entry and the singular values are distinct."""
    r = np.random.default_rng(seed)
    P = (r.random((nl, nr)) < density) * r.uniform(0.5, 2.0, (nl, nr))
    for i in range(nl):
        P[i, i % nr] += 1.0
    for j in range(nr):
        P[j % nl, j] += 0.5
    return P


def dense_parts(P):
    dl, dr = P.sum(axis=1), P.sum(axis=0)
    Pbar = P / np.sqrt(np.outer(dl, dr))
    U, s, Vt = np.linalg.svd(Pbar)
    return dl, dr, Pbar, U, s, Vt.T


def dense_loss(P, Ex, Et):
    total = P.sum()
    Pn, px, pt = P / total, P.sum(axis=1) / total, P.sum(axis=0) / total
    Mx = Ex.T @ (px[:, None] * Ex)
    Mt = Et.T @ (pt[:, None] * Et)
    loss = -2 * np.trace(Ex.T @ Pn @ Et) + np.sum(Mx * Mt)
    return loss, -2 * Pn @ Et + 2 * (px[:, None] * Ex) @ Mt, -2 * Pn.T @ Ex + 2 * (pt[:, None] * Et) @ Mx


def test_bipartite_graph_from_scipy_and_tuples():
    P = random_pairs()
    dl, dr, Pbar, _, _, _ = dense_parts(P)
    m = scipy_sparse.csr_matrix(P)
    for g in (speclin.BipartiteGraph(m), speclin.BipartiteGraph(scipy_sparse.coo_matrix(P)),
              speclin.BipartiteGraph((m.indptr, m.indices, m.data), n_right=45)):
        assert (g.n_left, g.n_right, g.nnz) == (30, 45, m.nnz) and g.dtype == np.float64
        assert np.abs(g.marginals_left - dl / dl.sum()).max() < 1e-15
        assert np.abs(g.marginals_right - dr / dr.sum()).max() < 1e-15
        X = rng.standard_normal((45, 3))
        Y = rng.standard_normal(30)
        assert np.abs(g.normalized_multiply(X) - Pbar @ X).max() < 1e-12
        assert np.abs(g.normalized_multiply(Y, transpose=True) - Pbar.T @ Y).max() < 1e-12
        assert abs(g.normalized_frobenius2() - np.sum(Pbar**2)) < 1e-12 * np.sum(Pbar**2)
    g32 = speclin.BipartiteGraph(m.astype(np.float32))
    assert g32.dtype == np.float32
    unit = speclin.BipartiteGraph((np.array([0, 2, 3]), np.array([0, 1, 2]), None), n_right=3)
    assert np.allclose(unit.marginals_left, [2 / 3, 1 / 3])
    g32.close()
    with pytest.raises(ValueError, match="closed"):
        g32.marginals_left
    with pytest.raises(TypeError, match="needs n_right"):
        speclin.BipartiteGraph((m.indptr, m.indices, m.data))
    with pytest.raises(ValueError, match=r"indices must be in \[0, n_right = 40\)"):
        speclin.BipartiteGraph((m.indptr, m.indices, m.data), n_right=40)
    with pytest.raises(ValueError, match="x has 30 rows; expected n_right = 45"):
        speclin.BipartiteGraph(m).normalized_multiply(np.zeros(30))
    lonely = P.copy()
    lonely[:, 7] = 0
    with pytest.raises(speclin.SpeclinValueError, match="right node"):
        speclin.BipartiteGraph(scipy_sparse.csr_matrix(lonely))


def test_svds_against_numpy():
    P = random_pairs(seed=1)
    _, _, Pbar, U, s, V = dense_parts(P)
    g = speclin.BipartiteGraph(scipy_sparse.csr_matrix(P))
    r = speclin.svds(g, 5)
    assert np.abs(r.values - s[:5]).max() < 1e-9
    # Each triplet satisfies P̄ v = σ u to the solver's accuracy, with unit orthogonal columns.
    assert np.abs(Pbar @ r.right - r.left * r.values).max() < 1e-7
    assert np.abs(r.left.T @ r.left - np.eye(5)).max() < 1e-10
    assert np.abs(r.right.T @ r.right - np.eye(5)).max() < 1e-10
    assert np.abs(np.abs(np.sum(r.left * U[:, :5], axis=0)) - 1).max() < 1e-6
    assert r.matvecs > 0 and r.iterations > 0
    with pytest.raises(ValueError, match=r"k = 31 exceeds min\(n_left, n_right\) = 30"):
        speclin.svds(g, 31)
    # A chain's singular values cluster near 1: one Lanczos step leaves most unconverged.
    n = 300
    chain = scipy_sparse.diags([np.ones(n), np.ones(n - 1)], [0, 1], shape=(n, n)).tocsr()
    with pytest.raises(speclin.SpeclinError) as e:
        speclin.svds(chain, 8, max_iterations=1)
    assert e.value.code == "ERR_NOT_CONVERGED" and len(e.value.partial.values) < 8


def test_population_loss_and_closed_form_against_dense():
    P = random_pairs(seed=2)
    _, _, _, _, s, _ = dense_parts(P)
    g = speclin.BipartiteGraph(scipy_sparse.csr_matrix(P))
    Ex, Et = rng.standard_normal((30, 4)), rng.standard_normal((45, 4))
    want, gl_w, gr_w = dense_loss(P, Ex, Et)
    loss, gl, gr = speclin.population_loss(g, Ex, Et)
    assert abs(loss - want) < 1e-12 * abs(want)
    assert np.abs(gl - gl_w).max() < 1e-12 * np.abs(gl_w).max()
    assert np.abs(gr - gr_w).max() < 1e-12 * np.abs(gr_w).max()
    # float32 towers: the loss in float64 from the exactly widened values, gradients in float32.
    x32, t32 = Ex.astype(np.float32), Et.astype(np.float32)
    want32, gl_w32, _ = dense_loss(P, x32.astype(np.float64), t32.astype(np.float64))
    loss32, gl32, gr32 = speclin.population_loss(scipy_sparse.csr_matrix(P), x32, t32)
    assert gl32.dtype == np.float32 and gr32.dtype == np.float32
    assert abs(loss32 - want32) < 1e-12 * abs(want32)
    assert np.abs(gl32 - gl_w32).max() < 1e-6 * np.abs(gl_w32).max()
    opt = speclin.closed_form_optimum(g, 4)
    assert abs(opt.loss + np.sum(s[:4] ** 2)) < 1e-10
    assert np.abs(opt.singular_values - s[:4]).max() < 1e-10
    assert abs(speclin.population_loss(g, opt.left, opt.right)[0] - opt.loss) < 1e-10
    with pytest.raises(ValueError, match="Et has 44 rows; expected 45"):
        speclin.population_loss(g, Ex, Et[:44])
    with pytest.raises(ValueError, match="same number of columns"):
        speclin.population_loss(g, Ex, Et[:, :3])
    with pytest.raises(TypeError, match="Et .* is missing"):
        speclin.population_loss(g, Ex)


def test_verify_bipartite_against_dense_quantities():
    P = random_pairs(seed=3)
    dl, dr, Pbar, U, s, V = dense_parts(P)
    px, pt = dl / dl.sum(), dr / dr.sum()
    g = speclin.BipartiteGraph(scipy_sparse.csr_matrix(P))
    k = 3
    Ex, Et = rng.standard_normal((30, k)), rng.standard_normal((45, k)).astype(np.float32)
    v = speclin.verify(g, Ex, Et)
    assert set(v) == {"k", "loss", "optimum", "relativeGap", "principalAnglesDegLeft", "principalAnglesDegRight",
                      "frobeniusError", "frobeniusMinimum", "singularValues"}
    Fx, Ft = np.sqrt(px)[:, None] * Ex, np.sqrt(pt)[:, None] * Et.astype(np.float64)
    assert v["k"] == k
    assert abs(v["loss"] - dense_loss(P, Ex, Et.astype(np.float64))[0]) < 1e-12
    assert abs(v["frobeniusError"] - np.sum((Pbar - Fx @ Ft.T) ** 2)) < 1e-10
    assert abs(v["frobeniusMinimum"] - (np.sum(Pbar**2) - np.sum(s[:k] ** 2))) < 1e-10
    assert abs(v["optimum"] + np.sum(s[:k] ** 2)) < 1e-10
    assert abs(v["relativeGap"] - (v["loss"] - v["optimum"]) / abs(v["optimum"])) < 1e-15
    assert np.abs(np.array(v["singularValues"]) - s[:k]).max() < 1e-10
    # scipy's angles (largest first): 1e-6 degrees is the accuracy of singular vectors with
    # residual 1e-10 separated by gaps of ~0.05.
    assert np.abs(np.array(v["principalAnglesDegLeft"]) - np.degrees(scipy_linalg.subspace_angles(Fx, U[:, :k]))).max() < 1e-6
    assert np.abs(np.array(v["principalAnglesDegRight"]) - np.degrees(scipy_linalg.subspace_angles(Ft, V[:, :k]))).max() < 1e-6
    # The optimum verifies as optimal; a scipy matrix with Et given is taken as bipartite.
    opt = speclin.closed_form_optimum(g, k)
    vo = speclin.verify(scipy_sparse.csr_matrix(P), opt.left, opt.right)
    assert abs(vo["relativeGap"]) < 1e-9
    assert max(vo["principalAnglesDegLeft"] + vo["principalAnglesDegRight"]) < 1e-4
    assert abs(vo["frobeniusError"] - vo["frobeniusMinimum"]) < 1e-10
    vk = speclin.verify(g, Ex[:, :2], Et[:, :2], k=3)
    assert vk["k"] == 3 and vk["principalAnglesDegLeft"][0] == 90.0
    bad = Et.copy()
    bad[5, 0] = np.inf
    with pytest.raises(ValueError, match=r"Et: row 5 \(0-based\) holds a NaN or infinite value"):
        speclin.verify(g, Ex, bad)
    with pytest.raises(ValueError, match="Ex has 29 rows; expected 30"):
        speclin.verify(g, Ex[:29], Et)
    with pytest.raises(ValueError, match=r"k = 31 exceeds min\(n_left, n_right\) = 30"):
        speclin.verify(g, Ex, Et, k=31)
    with pytest.raises(TypeError, match="Et .* is missing"):
        speclin.verify(g, Ex)
    with pytest.raises(TypeError, match="pass k as a keyword"):
        speclin.verify(scipy_sparse.csr_matrix(np.ones((4, 4))), np.ones((4, 2)), 2)


def test_verify_bipartite_agrees_with_the_typescript_cli(tmp_path):
    """speclin.verify(bipartite, Ex, Et) and `speclin verify --bipartite --json` (TypeScript, the
    same files) are two implementations of one definition: they agree to 1e-9 (both solve to tol
    1e-10; the angles' accuracy is the singular vectors')."""
    node = shutil.which("node")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if node is None or not os.path.isdir(os.path.join(root, "node_modules", "tsx")):
        pytest.skip("node with the repository's node_modules is needed to run the CLI")
    scipy_io = pytest.importorskip("scipy.io")
    P = scipy_sparse.csr_matrix(random_pairs(nl=40, nr=25, seed=4))
    Ex = rng.standard_normal((40, 3)).astype(np.float32)
    Et = np.asfortranarray(rng.standard_normal((25, 3)))
    scipy_io.mmwrite(str(tmp_path / "P.mtx"), P)
    np.save(tmp_path / "Ex.npy", Ex)
    np.save(tmp_path / "Et.npy", Et)
    r = subprocess.run([node, "--import", "tsx", os.path.join(root, "src", "cli.ts"), "verify", "--bipartite", "--graph", str(tmp_path / "P.mtx"),
                        "--left", str(tmp_path / "Ex.npy"), "--right", str(tmp_path / "Et.npy"), "--json"],
                       cwd=root, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    py = speclin.verify(speclin.BipartiteGraph(P), Ex, Et)
    assert set(cli) == set(py)
    assert cli["k"] == py["k"] == 3
    for key in ("loss", "optimum", "relativeGap", "frobeniusError", "frobeniusMinimum"):
        assert abs(cli[key] - py[key]) <= 1e-9 * max(1.0, abs(py[key])), key
    for key in ("principalAnglesDegLeft", "principalAnglesDegRight"):
        assert np.abs(np.array(cli[key]) - py[key]).max() < 1e-6, key
    assert np.abs(np.array(cli["singularValues"]) - py["singularValues"]).max() < 1e-9
