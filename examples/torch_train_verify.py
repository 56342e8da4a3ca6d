"""Train spectral embeddings of a graph in PyTorch with speclin.torch.SpectralLoss, save them with
numpy.save, and verify them against the closed-form optimum (docs/python.md walks through it).

    python3 examples/torch_train_verify.py [OUT_DIR]

writes OUT_DIR/G.mtx (the graph) and OUT_DIR/E.npy (the embedding), then prints what
speclin.verify finds; `npx speclin verify --graph OUT_DIR/G.mtx --embedding OUT_DIR/E.npy` checks
the same files from the command line."""
import json
import os
import sys

import numpy as np
import scipy.io
import scipy.sparse
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import speclin  # noqa: E402
from speclin.torch import SpectralLoss  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)

# A stochastic block model: 4 blocks of 100 nodes, dense inside, sparse across.
n, blocks, k = 400, 4, 4
label = np.repeat(np.arange(blocks), n // blocks)
P = np.where(label[:, None] == label[None, :], 0.10, 0.01)
A = np.triu(rng.random((n, n)) < P, 1)
A = (A | A.T).astype(np.float64)
A[np.arange(n), (np.arange(n) + 1) % n] = A[(np.arange(n) + 1) % n, np.arange(n)] = 1.0  # no isolated node
G = scipy.sparse.csr_matrix(A)
scipy.io.mmwrite(os.path.join(out, "G.mtx"), G, symmetry="symmetric")

# Positive pairs (x, x+) ~ A(x, x+) / sum(A): the edges, each direction once, drawn by weight.
coo = G.tocoo()
edges = np.stack([coo.row, coo.col], axis=1)
weights = coo.data / coo.data.sum()

# The encoder: a free embedding table f(x) = E[x] (any torch model works the same way).
torch.manual_seed(0)
table = torch.nn.Embedding(n, k)
torch.nn.init.normal_(table.weight, std=0.01)
optimizer = torch.optim.Adam(table.parameters(), lr=0.02)
# mu=None: no clipping, so the minibatch loss is an unbiased estimate of the population loss,
# whose optimum speclin knows in closed form.
loss_fn = SpectralLoss(mu=None)
for step in range(3000):
    batch = edges[rng.choice(len(edges), size=512, p=weights)]
    x, x_pos = torch.from_numpy(batch[:, 0]), torch.from_numpy(batch[:, 1])
    optimizer.zero_grad()
    loss = loss_fn(table(x), table(x_pos))
    loss.backward()
    optimizer.step()
    if step % 1000 == 0:
        print(f"step {step}: minibatch loss {loss.item():.5f}", file=sys.stderr)

E = table.weight.detach().numpy()
np.save(os.path.join(out, "E.npy"), E)
print(json.dumps(speclin.verify(G, E), indent=2))
