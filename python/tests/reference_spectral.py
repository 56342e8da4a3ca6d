"""The reference implementation of the spectral contrastive loss, D(z1, z2, mu), of HaoChen et
al. (2021) (models/spectral.py in github.com/jhaochenz96/spectral_contrastive_learning),
reproduced operation for operation so that the tests compare against what PyTorch users run.
Only the tests and the benchmark import it; the package never does."""
import numpy as np
import torch
import torch.nn.functional as F


def D(z1, z2, mu=1.0):
    mask1 = (torch.norm(z1, p=2, dim=1) < np.sqrt(mu)).float().unsqueeze(1)
    mask2 = (torch.norm(z2, p=2, dim=1) < np.sqrt(mu)).float().unsqueeze(1)
    z1 = mask1 * z1 + (1 - mask1) * F.normalize(z1, dim=1) * np.sqrt(mu)
    z2 = mask2 * z2 + (1 - mask2) * F.normalize(z2, dim=1) * np.sqrt(mu)
    loss_part1 = -2 * torch.mean(z1 * z2) * z1.shape[1]
    square_term = torch.matmul(z1, z2.T) ** 2
    loss_part2 = torch.mean(torch.triu(square_term, diagonal=1) + torch.tril(square_term, diagonal=-1)) * \
        z1.shape[0] / (z1.shape[0] - 1)
    return (loss_part1 + loss_part2) / mu, {"part1": loss_part1 / mu, "part2": loss_part2 / mu}


def gram_form(z1, z2, mu=None):
    """The same loss in torch's own O(B k^2) form (DESIGN.md): sum_{i != j} (z_i.w_j)^2 =
    <Z^T Z, W^T W>_F - sum_i (z_i.w_i)^2, no B x B matrix; clipping as the reference when mu is
    given. The benchmark's second peer."""
    m = 1.0 if mu is None else mu
    if mu is not None:
        r = np.sqrt(mu)
        n1 = torch.norm(z1, dim=1, keepdim=True)
        n2 = torch.norm(z2, dim=1, keepdim=True)
        z1 = torch.where(n1 < r, z1, z1 / n1.clamp_min(1e-12) * r)
        z2 = torch.where(n2 < r, z2, z2 / n2.clamp_min(1e-12) * r)
    B = z1.shape[0]
    diag = (z1 * z2).sum(dim=1)
    positive = -2 * diag.sum() / B
    negative = ((z1.T @ z1) * (z2.T @ z2)).sum() - (diag * diag).sum()
    return (positive + negative / (B * (B - 1))) / m
