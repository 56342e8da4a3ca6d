"""speclin's dense kernels from NumPy against NumPy references in float64.

Tolerances: float64 results against float64 references to 1e-12 relative (sums of at most a few
thousand products, each exact to 1e-16); float32 inputs (exactly representable in float64, so the
reference is exact) to 1e-5 relative to the scale of the result: float32 products of k <= 64
terms are off by about sqrt(k) 6e-8, and scalar sums accumulate in float64."""
import numpy as np
import pytest

import speclin
from speclin import _arrays

rng = np.random.default_rng(7)


def reference_loss(z, w, mu=None, negatives="offdiagonal"):
    """The loss and gradients in float64 by the definition (B x B matrix; chain rule through the
    clipping written out)."""
    z = z.astype(np.float64)
    w = w.astype(np.float64)
    m = 1.0 if mu is None else mu

    def clip(x):
        n = np.linalg.norm(x, axis=1, keepdims=True)
        s = np.where((mu is not None) & ~(n < np.sqrt(m)), np.sqrt(m) / n, 1.0)
        return x * s, s, n

    zh, sz, nz = clip(z)
    wh, sw, nw = clip(w)
    B = z.shape[0]
    S = zh @ wh.T
    mask = np.ones((B, B)) - (np.eye(B) if negatives == "offdiagonal" else 0)
    c = 1 / (B * (B - 1)) if negatives == "offdiagonal" else 1 / B**2
    loss = (-2 / B * np.trace(S) + c * np.sum(mask * S * S)) / m
    G = (-2 / B * np.eye(B) + 2 * c * mask * S) / m  # dL/dS
    gzh, gwh = G @ wh, G.T @ zh

    def back(g, x, s, n):
        u = x / n
        clipped = s < 1
        return np.where(clipped, s * (g - np.sum(g * u, axis=1, keepdims=True) * u), g)

    return loss, back(gzh, z, sz, nz), back(gwh, w, sw, nw)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mu", [None, 0.5])
@pytest.mark.parametrize("negatives", ["offdiagonal", "all"])
@pytest.mark.parametrize("algorithm", ["auto", "gram", "pairwise"])
def test_spectral_loss_matches_the_definition(dtype, mu, negatives, algorithm):
    B, k = 48, 12
    z = (rng.standard_normal((B, k)) * rng.uniform(0.05, 0.4, (B, 1))).astype(dtype)
    w = (rng.standard_normal((B, k)) * rng.uniform(0.05, 0.4, (B, 1))).astype(dtype)
    loss, gz, gw = speclin.spectral_loss(z, w, mu=mu, negatives=negatives, algorithm=algorithm)
    want, wz, ww = reference_loss(z, w, mu, negatives)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert isinstance(loss, float)
    assert gz.dtype == dtype and gw.dtype == dtype and gz.shape == z.shape
    assert abs(loss - want) <= tol * abs(want)
    scale = max(np.abs(wz).max(), np.abs(ww).max())
    assert np.abs(gz - wz).max() <= tol * scale
    assert np.abs(gw - ww).max() <= tol * scale
    if mu is not None:  # some rows clipped, some not: both branches of the chain rule ran
        d = speclin.spectral_loss_detailed(z, w, mu=mu, negatives=negatives, algorithm=algorithm)
        assert 0 < d["clipped_z"] < B
        if algorithm != "auto":
            assert d["algorithm"] == algorithm


def test_gradients_are_written_in_place_and_inputs_read_in_place():
    z = rng.standard_normal((20, 6))
    w = rng.standard_normal((20, 6))
    gz, gw = np.empty_like(z), np.empty_like(w)
    r = speclin.spectral_loss_detailed(z, w, out=(gz, gw))
    assert r["grad_z"] is gz and r["grad_w"] is gw
    assert np.allclose(gz, reference_loss(z, w)[1], rtol=0, atol=1e-12)
    # C-contiguous float32/float64 inputs are passed as they are; anything else is copied once.
    for dtype in (np.float32, np.float64):
        a = np.ones((4, 3), dtype=dtype)
        assert np.shares_memory(_arrays.floats(a, "a"), a)
    f = np.asfortranarray(np.ones((4, 3)))
    assert not np.shares_memory(_arrays.floats(f, "f"), f)
    assert _arrays.floats(np.ones((4, 3), dtype=np.int64), "i").dtype == np.float64
    # A non-contiguous input still gives the right answer.
    zs, ws = z[::2], w[::2]
    assert abs(speclin.spectral_loss(zs, ws)[0] - reference_loss(zs, ws)[0]) < 1e-12


def test_spectral_loss_rejects_bad_arguments_by_name():
    z = np.zeros((4, 3))
    with pytest.raises(TypeError, match="z must hold real numbers"):
        speclin.spectral_loss(np.array([["a"]]), z)
    with pytest.raises(TypeError, match="w must hold real numbers"):
        speclin.spectral_loss(z, z.astype(np.complex128))
    with pytest.raises(TypeError, match="same dtype"):
        speclin.spectral_loss(z, z.astype(np.float32))
    with pytest.raises(ValueError, match="same shape"):
        speclin.spectral_loss(z, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="z must be 2-D"):
        speclin.spectral_loss(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="at least 2 rows"):
        speclin.spectral_loss(np.zeros((1, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="mu must be a positive"):
        speclin.spectral_loss(z, z, mu=-1)
    with pytest.raises(TypeError, match="mu must be a number"):
        speclin.spectral_loss(z, z, mu="1")
    with pytest.raises(ValueError, match="negatives must be"):
        speclin.spectral_loss(z, z, negatives="some")
    with pytest.raises(ValueError, match="algorithm must be"):
        speclin.spectral_loss(z, z, algorithm="fast")
    bad = z.copy()
    bad[2, 1] = np.nan
    with pytest.raises(speclin.SpeclinValueError, match="NaN") as e:
        speclin.spectral_loss(bad, z)
    assert isinstance(e.value, ValueError) and e.value.code == "ERR_ARGUMENT"
    with pytest.raises(ValueError, match=r"out\[0\] must be"):
        speclin.spectral_loss_detailed(z, z, out=(np.zeros((4, 3), dtype=np.float32), np.zeros((4, 3))))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gram_family_matches_numpy(dtype):
    tol = 1e-12 if dtype == np.float64 else 1e-5
    Z = rng.standard_normal((3, 17, 40)).astype(dtype)
    W = rng.standard_normal((3, 13, 40)).astype(dtype)
    R = rng.standard_normal((3, 17, 9)).astype(dtype)
    Z64, W64, R64 = Z.astype(np.float64), W.astype(np.float64), R.astype(np.float64)

    def close(got, want):
        assert got.dtype == dtype
        assert np.abs(got - want).max() <= tol * max(1.0, np.abs(want).max())

    close(speclin.gram(Z[0]), Z64[0] @ Z64[0].T)
    close(speclin.gram(Z), Z64 @ Z64.transpose(0, 2, 1))
    close(speclin.cross_gram(Z[1], W[1]), Z64[1] @ W64[1].T)
    close(speclin.cross_gram(Z, W), Z64 @ W64.transpose(0, 2, 1))
    close(speclin.inner_gram(Z[2], R[2]), Z64[2].T @ R64[2])
    close(speclin.inner_gram(Z, R), Z64.transpose(0, 2, 1) @ R64)
    same = speclin.inner_gram(Z[0], Z[0])
    close(same, Z64[0].T @ Z64[0])
    assert np.array_equal(same, same.T)
    with pytest.raises(ValueError, match="same batch and columns"):
        speclin.cross_gram(Z[0], R[0])
    with pytest.raises(ValueError, match="same batch and rows"):
        speclin.inner_gram(Z[0], W[0])
    with pytest.raises(ValueError, match="z must be 2-D or 3-D"):
        speclin.gram(np.zeros(4))


def test_top_k_matches_argsort():
    Q = rng.standard_normal((11, 8))
    K = rng.standard_normal((70, 8))
    idx, scores = speclin.top_k(Q, K, 5)
    S = Q @ K.T
    want = np.argsort(-S, axis=1, kind="stable")[:, :5]
    assert idx.dtype == np.int32 and np.array_equal(idx, want)
    assert np.abs(scores - np.take_along_axis(S, want, axis=1)).max() < 1e-12
    idx32, s32 = speclin.top_k(Q.astype(np.float32), K.astype(np.float32), 5)
    assert np.array_equal(idx32, want) and s32.dtype == np.float32
    with pytest.raises(ValueError, match="k = 71 exceeds the number of keys = 70"):
        speclin.top_k(Q, K, 71)
    with pytest.raises(ValueError, match="k must be at least 1"):
        speclin.top_k(Q, K, 0)
    with pytest.raises(TypeError, match="k must be an integer"):
        speclin.top_k(Q, K, 2.5)
    with pytest.raises(ValueError, match="same columns"):
        speclin.top_k(Q, K[:, :3], 2)


def test_library_facts():
    assert speclin.version().count(".") == 2
    assert speclin.library_path().endswith(("libspeclin.so", "libspeclin.dylib", "speclin.dll"))
    speclin.set_threads(1)
    assert speclin.get_threads() == 1
    speclin.set_threads(0)
