"""speclin for Python: NumPy arrays over libspeclin (ctypes; no build step), and speclin.torch
for PyTorch. See docs/python.md."""
from ._library import SpeclinError, SpeclinValueError, get_threads, library_path, set_threads, version
from .bipartite import BipartiteGraph, ClosedFormBipartite, SvdsResult, svds
from .graph import ClosedForm, EigshResult, Graph, closed_form_optimum, eigsh, population_loss
from .kernels import cross_gram, gram, inner_gram, spectral_loss, spectral_loss_detailed, top_k
from .verify import principal_angles_deg, verify, verify_bipartite

__all__ = [
    "BipartiteGraph", "ClosedForm", "ClosedFormBipartite", "EigshResult", "Graph", "SpeclinError", "SpeclinValueError",
    "SvdsResult", "closed_form_optimum", "cross_gram", "eigsh", "get_threads", "gram", "inner_gram", "library_path",
    "population_loss", "principal_angles_deg", "set_threads", "spectral_loss", "spectral_loss_detailed", "svds", "top_k",
    "verify", "verify_bipartite", "version",
]
