"""The worked example of docs/python.md, run as a user runs it: examples/torch_train_verify.py
trains an embedding table with speclin.torch.SpectralLoss, saves G.mtx and E.npy and prints
speclin.verify's object; `speclin verify --json` on the saved files must report the same (both
implement one definition and solve to tol 1e-10: 1e-9), and the training must get close to the
optimum. The example's seeded run reached a gap of 0.9%; 5% leaves room for other BLAS builds of
torch without letting a broken loss or gradient (no training: gap ~100%) pass."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("scipy.io")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_torch_train_verify_example(tmp_path):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "torch_train_verify.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    printed = json.loads(r.stdout)
    assert printed["k"] == 4
    assert 0 <= printed["relativeGap"] < 0.05, printed["relativeGap"]
    assert np.load(tmp_path / "E.npy").shape == (400, 4)
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(ROOT, "node_modules", "tsx")):
        pytest.skip("node with the repository's node_modules is needed to run the CLI")
    cli = subprocess.run([node, "--import", "tsx", os.path.join(ROOT, "src", "cli.ts"), "verify", "--graph", str(tmp_path / "G.mtx"),
                          "--embedding", str(tmp_path / "E.npy"), "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    v = json.loads(cli.stdout)
    for key in ("loss", "optimum", "relativeGap", "frobeniusError", "frobeniusMinimum"):
        assert abs(v[key] - printed[key]) <= 1e-9 * max(1.0, abs(printed[key])), key
    assert np.abs(np.array(v["principalAnglesDeg"]) - printed["principalAnglesDeg"]).max() < 1e-6
