"""speclin for PyTorch: the spectral contrastive loss as a torch.autograd.Function and an
nn.Module, a drop-in for the reference D(z1, z2, mu) of HaoChen et al. (2021) with the same value
and gradients on CPU tensors, computed by libspeclin in one fused pass (loss and both gradients)
without the B x B matrix of the reference. Tensors are read and the gradients written in place
through NumPy views: no copy for contiguous float32/float64 tensors."""
import torch

from .kernels import spectral_loss_detailed


def _check(z, name):
    if not isinstance(z, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(z).__name__}")
    if z.device.type != "cpu":
        raise ValueError(f"{name} is on {z.device}; speclin.torch computes on CPU tensors (move it with .cpu())")
    if z.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name} must be float32 or float64, got {z.dtype}")
    if z.dim() != 2:
        raise ValueError(f"{name} must be 2-D (B x k), got shape {tuple(z.shape)}")


class SpectralLossFunction(torch.autograd.Function):
    """SpectralLossFunction.apply(z1, z2, mu, negatives, algorithm) -> the loss (a 0-d tensor of
    z1's dtype). mu None: no clipping (the reference's default is mu = 1.0)."""

    @staticmethod
    def forward(ctx, z1, z2, mu=1.0, negatives="offdiagonal", algorithm="auto"):
        _check(z1, "z1")
        _check(z2, "z2")
        a = z1.detach().contiguous()
        b = z2.detach().contiguous()
        want_grad = any(ctx.needs_input_grad[:2])
        out = None
        if want_grad:
            gz, gw = torch.empty_like(a), torch.empty_like(b)
            out = (gz.numpy(), gw.numpy())
        r = spectral_loss_detailed(a.numpy(), b.numpy(), mu=mu, negatives=negatives, algorithm=algorithm,
                                   grad=want_grad, out=out)
        if want_grad:
            ctx.save_for_backward(gz, gw)
        ctx.parts = (r["positive"], r["negative"])
        return torch.tensor(r["loss"], dtype=z1.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        gz, gw = ctx.saved_tensors
        return grad_output * gz, grad_output * gw, None, None, None


def spectral_loss(z1, z2, mu=1.0, negatives="offdiagonal", algorithm="auto"):
    """The loss as a differentiable 0-d tensor (see SpectralLossFunction)."""
    return SpectralLossFunction.apply(z1, z2, mu, negatives, algorithm)


def D(z1, z2, mu=1.0):
    """The reference's signature and return value: (loss, {"part1": ..., "part2": ...}) with part1
    the positive term and part2 the negative term, both divided by mu. The parts are plain tensors
    (not differentiable); the loss is."""
    fn_ctx = {}
    loss = _SpectralLossWithParts.apply(z1, z2, mu, fn_ctx)
    part1, part2 = fn_ctx["parts"]
    return loss, {"part1": torch.tensor(part1, dtype=z1.dtype), "part2": torch.tensor(part2, dtype=z1.dtype)}


class _SpectralLossWithParts(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z1, z2, mu, sink):
        loss = SpectralLossFunction.forward(ctx, z1, z2, mu)
        sink["parts"] = ctx.parts
        return loss

    @staticmethod
    def backward(ctx, grad_output):
        return SpectralLossFunction.backward(ctx, grad_output)[:2] + (None, None)


class SpectralLoss(torch.nn.Module):
    """nn.Module form: SpectralLoss(mu=1.0, negatives='offdiagonal', algorithm='auto'), called as
    loss_fn(z1, z2) -> the loss (a 0-d tensor). mu=None: no clipping and no division."""

    def __init__(self, mu=1.0, negatives="offdiagonal", algorithm="auto"):
        super().__init__()
        self.mu, self.negatives, self.algorithm = mu, negatives, algorithm

    def forward(self, z1, z2):
        return SpectralLossFunction.apply(z1, z2, self.mu, self.negatives, self.algorithm)

    def extra_repr(self):
        return f"mu={self.mu}, negatives={self.negatives!r}, algorithm={self.algorithm!r}"
