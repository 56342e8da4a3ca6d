"""speclin.torch against the reference D(z1, z2, mu) of HaoChen et al. in torch autograd.

Tolerances: float64 values and gradients to 1e-12 relative (both sides are exact to ~1e-15; they
differ only in summation order); float32 to 1e-5 relative to the largest gradient entry (torch
sums the B x B matrix in float32, speclin accumulates scalars in float64: the reference's own
float32 error dominates, about sqrt(B) 6e-8 to B 6e-8). Training curves: see the test."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import speclin.torch as st  # noqa: E402
from reference_spectral import D, gram_form  # noqa: E402


def pairs(B, k, dtype, scale, seed):
    g = torch.Generator().manual_seed(seed)
    # Row norms spread around sqrt(mu) = 1 with scale ~0.35: some rows are clipped, some not.
    s = torch.rand(B, 1, generator=g, dtype=dtype) * 2 * scale
    z = (torch.randn(B, k, generator=g, dtype=dtype) * s).requires_grad_()
    w = (torch.randn(B, k, generator=g, dtype=dtype) * s).requires_grad_()
    return z, w


def value_and_grads(fn, z, w):
    z.grad = w.grad = None
    loss = fn(z, w)
    loss.backward()
    return loss.detach().clone(), z.grad.clone(), w.grad.clone()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("mu", [1.0, 0.25, None])
@pytest.mark.parametrize("B,k", [(64, 16), (200, 5), (7, 40)])
def test_value_and_gradients_match_the_reference(dtype, mu, B, k):
    z, w = pairs(B, k, dtype, 0.35 if mu is None else 0.35 * np.sqrt(mu / 0.5), seed=B + k)
    if mu is None:
        # Without mu speclin neither clips nor divides: the reference with mu = 1 on rows that it
        # leaves unclipped (norms below 1) computes the same thing.
        with torch.no_grad():
            z *= 0.9 / z.norm(dim=1).max()
            w *= 0.9 / w.norm(dim=1).max()
        ref = lambda a, b: D(a, b, 1.0)[0]  # noqa: E731
    else:
        ref = lambda a, b: D(a, b, mu)[0]  # noqa: E731
        assert 0 < int((z.norm(dim=1) >= np.sqrt(mu)).sum()) < B, "the test needs clipped and unclipped rows"
    want, wz, ww = value_and_grads(ref, z, w)
    got, gz, gw = value_and_grads(lambda a, b: st.spectral_loss(a, b, mu), z, w)
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    assert got.dtype == dtype
    assert abs(float(got - want)) <= tol * max(1.0, abs(float(want)))
    scale = float(torch.max(wz.abs().max(), ww.abs().max()))
    assert float((gz - wz).abs().max()) <= tol * scale
    assert float((gw - ww).abs().max()) <= tol * scale
    # The Gram form (the benchmark's peer) is the same loss.
    if dtype == torch.float64:
        assert abs(float(gram_form(z, w, mu) - want)) < 1e-12 * max(1.0, abs(float(want)))


def test_drop_in_signature_parts_module_and_no_grad():
    z, w = pairs(32, 8, torch.float64, 0.5, seed=1)
    loss, parts = st.D(z, w, 1.0)
    want, want_parts = D(z, w, 1.0)
    assert abs(float(loss - want)) < 1e-12
    for key in ("part1", "part2"):
        assert abs(float(parts[key] - want_parts[key])) < 1e-12
    loss.backward()
    gz = z.grad.clone()
    z.grad = None
    D(z, w, 1.0)[0].backward()
    assert float((gz - z.grad).abs().max()) < 1e-12
    module = st.SpectralLoss(mu=1.0)
    assert "mu=1.0" in repr(module)
    assert abs(float(module(z, w) - want)) < 1e-12
    with torch.no_grad():
        assert abs(float(module(z, w) - want)) < 1e-12
    # A loss scaled by the caller: the chain rule goes through backward's grad_output.
    z.grad = None
    (3 * module(z, w)).backward()
    z2 = z.detach().clone().requires_grad_()
    (3 * D(z2, w.detach(), 1.0)[0]).backward()
    assert float((z.grad - z2.grad).abs().max()) < 1e-12


def test_bad_tensors_are_named():
    z = torch.zeros(4, 3)
    with pytest.raises(TypeError, match="z1 must be a torch.Tensor"):
        st.spectral_loss(np.zeros((4, 3)), z)
    with pytest.raises(TypeError, match="z2 must be float32 or float64"):
        st.spectral_loss(z, torch.zeros(4, 3, dtype=torch.int32))
    with pytest.raises(ValueError, match="z1 must be 2-D"):
        st.spectral_loss(torch.zeros(2, 4, 3), z)
    with pytest.raises(ValueError, match="same shape"):
        st.spectral_loss(z, torch.zeros(4, 2))


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_an_mlp_trained_100_steps_follows_the_same_curve(dtype, tol):
    """Two copies of one MLP, trained on the same minibatches of augmented pairs for 100 SGD steps,
    one with the reference D and one with speclin: the loss curves agree to `tol`, relative to the
    curve's scale. Measured: 5e-16 (float64) and 2e-7 (float32) after 100 steps, the rounding
    differences of the two summation orders, barely amplified by training; the tolerances leave
    a factor of 50-2000 for other machines' summation orders and still fail any real difference
    (a wrong gradient moves the curves by O(0.1) within a few steps)."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.Tanh(), torch.nn.Linear(32, 6)).to(dtype)
    twin = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.Tanh(), torch.nn.Linear(32, 6)).to(dtype)
    twin.load_state_dict(net.state_dict())
    g = torch.Generator().manual_seed(1)
    centers = torch.randn(8, 10, generator=g, dtype=dtype)
    curves = {"reference": [], "speclin": []}
    losses = {"reference": lambda a, b: D(a, b, 1.0)[0], "speclin": st.SpectralLoss(mu=1.0)}
    models = {"reference": net, "speclin": twin}
    optims = {name: torch.optim.SGD(m.parameters(), lr=0.05) for name, m in models.items()}
    for step in range(100):
        labels = torch.randint(0, 8, (64,), generator=g)
        x1 = centers[labels] + 0.3 * torch.randn(64, 10, generator=g, dtype=dtype)
        x2 = centers[labels] + 0.3 * torch.randn(64, 10, generator=g, dtype=dtype)
        for name, m in models.items():
            optims[name].zero_grad()
            loss = losses[name](m(x1), m(x2))
            loss.backward()
            optims[name].step()
            curves[name].append(float(loss))
    a, b = np.array(curves["reference"]), np.array(curves["speclin"])
    assert a[-1] < a[0] - 0.1, "training must make progress for the comparison to mean something"
    assert np.abs(a - b).max() <= tol * np.abs(a).max()
