"""Finds and loads libspeclin (the C ABI of native/include/speclin.h) and declares its functions.

The library is looked for, in order: the SPECLIN_LIBRARY environment variable; beside this
package in the npm install tree (python/speclin -> build/Release/libspeclin.so); what
`npx speclin where --json` prints (run from the current directory).
"""
import ctypes
import json
import os
import subprocess
import sys
from ctypes import POINTER, c_char_p, c_double, c_float, c_int, c_int32, c_int64, c_size_t, c_uint64, c_void_p

_NAME = {"darwin": "libspeclin.dylib", "win32": "speclin.dll"}.get(sys.platform, "libspeclin.so")
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

OK, ERR_ARGUMENT, ERR_NO_MEMORY, ERR_INTERNAL, ERR_GRAPH, ERR_NOT_CONVERGED, ERR_CALLBACK = range(7)
_CODES = {
    ERR_ARGUMENT: "ERR_ARGUMENT",
    ERR_NO_MEMORY: "ERR_NO_MEMORY",
    ERR_INTERNAL: "ERR_INTERNAL",
    ERR_GRAPH: "ERR_GRAPH",
    ERR_NOT_CONVERGED: "ERR_NOT_CONVERGED",
    ERR_CALLBACK: "ERR_CALLBACK",
}


class SpeclinError(Exception):
    """A failure reported by libspeclin; `code` names it (ERR_NOT_CONVERGED, ERR_GRAPH, ...)."""

    def __init__(self, code, message, partial=None):
        super().__init__(message)
        self.code = code
        self.partial = partial  # eigsh's converged pairs when code == 'ERR_NOT_CONVERGED'


class SpeclinValueError(SpeclinError, ValueError):
    """Bad data found by the library (NaN in an input, an asymmetric graph, ...)."""


def _candidates():
    env = os.environ.get("SPECLIN_LIBRARY")
    if env:
        return [os.path.abspath(env)], False
    return [os.path.join(_ROOT, "build", "Release", _NAME), os.path.join(_ROOT, "build", "Debug", _NAME)], True


def _from_npx():
    try:
        r = subprocess.run(["npx", "--no-install", "speclin", "where", "--json"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return None
    try:
        return json.loads(r.stdout)["library"]
    except (ValueError, KeyError, TypeError):
        return None


def library_path():
    """The path of the libspeclin that this package uses (see the module's docstring)."""
    files, may_ask_npx = _candidates()
    for f in files:
        if os.path.exists(f):
            return f
    found = _from_npx() if may_ask_npx else None
    if found and os.path.exists(found):
        return found
    looked = ", ".join(files) + (", `npx speclin where --json`" if may_ask_npx else "")
    raise OSError(
        "speclin: libspeclin was not found (looked in " + looked + "). Install the npm package "
        "(npm install speclin builds it), or set SPECLIN_LIBRARY to the path of libspeclin."
    )


_f32p, _f64p, _i32p, _i64p = POINTER(c_float), POINTER(c_double), POINTER(c_int32), POINTER(c_int64)


class LossOptions(ctypes.Structure):
    _fields_ = [("mu", c_double), ("negatives", c_int), ("algorithm", c_int)]


class LossResult(ctypes.Structure):
    _fields_ = [("loss", c_double), ("positive", c_double), ("negative", c_double), ("algorithm", c_int),
                ("clipped_z", c_size_t), ("clipped_w", c_size_t)]


class EigshOptions(ctypes.Structure):
    _fields_ = [("tol", c_double), ("max_iterations", c_size_t), ("block_size", c_size_t), ("basis_size", c_size_t),
                ("seed", c_uint64), ("deflate_components", c_int)]


class EigshInfo(ctypes.Structure):
    _fields_ = [("converged", c_size_t), ("matvecs", c_size_t), ("iterations", c_size_t)]


OPERATOR = ctypes.CFUNCTYPE(c_int, c_void_p, _f64p, _f64p, c_size_t)

_S = c_int  # speclin_status
_SIGNATURES = {
    "speclin_status_message": (c_char_p, [c_int]),
    "speclin_last_error": (c_char_p, []),
    "speclin_version": (c_char_p, []),
    "speclin_set_threads": (None, [c_int]),
    "speclin_get_threads": (c_int, []),
    "speclin_sgram": (_S, [_f32p, _f32p, c_size_t, c_size_t, c_size_t]),
    "speclin_dgram": (_S, [_f64p, _f64p, c_size_t, c_size_t, c_size_t]),
    "speclin_scross_gram": (_S, [_f32p, _f32p, _f32p, c_size_t, c_size_t, c_size_t, c_size_t]),
    "speclin_dcross_gram": (_S, [_f64p, _f64p, _f64p, c_size_t, c_size_t, c_size_t, c_size_t]),
    "speclin_sinner_gram": (_S, [_f32p, _f32p, _f32p, c_size_t, c_size_t, c_size_t, c_size_t]),
    "speclin_dinner_gram": (_S, [_f64p, _f64p, _f64p, c_size_t, c_size_t, c_size_t, c_size_t]),
    "speclin_sspectral_loss": (_S, [_f32p, _f32p, c_size_t, c_size_t, POINTER(LossOptions), _f32p, _f32p, POINTER(LossResult)]),
    "speclin_dspectral_loss": (_S, [_f64p, _f64p, c_size_t, c_size_t, POINTER(LossOptions), _f64p, _f64p, POINTER(LossResult)]),
    "speclin_stop_k": (_S, [_f32p, c_size_t, _f32p, c_size_t, c_size_t, c_size_t, _i32p, _f32p]),
    "speclin_dtop_k": (_S, [_f64p, c_size_t, _f64p, c_size_t, c_size_t, c_size_t, _i32p, _f64p]),
    "speclin_sgraph_from_csr": (_S, [c_size_t, _i64p, _i32p, _f32p, c_int, POINTER(c_void_p)]),
    "speclin_dgraph_from_csr": (_S, [c_size_t, _i64p, _i32p, _f64p, c_int, POINTER(c_void_p)]),
    "speclin_graph_free": (None, [c_void_p]),
    "speclin_graph_info": (_S, [c_void_p, POINTER(c_size_t), POINTER(c_size_t), POINTER(c_size_t)]),
    "speclin_graph_degrees": (_S, [c_void_p, _f64p]),
    "speclin_graph_marginals": (_S, [c_void_p, _f64p]),
    "speclin_graph_normalized_multiply": (_S, [c_void_p, _f64p, _f64p, c_size_t]),
    "speclin_graph_normalized_frobenius2": (_S, [c_void_p, _f64p]),
    "speclin_eigsh_options_init": (None, [POINTER(EigshOptions)]),
    "speclin_eigsh": (_S, [c_size_t, OPERATOR, c_void_p, c_double, c_size_t, POINTER(EigshOptions), _f64p, _f64p, _f64p, POINTER(EigshInfo)]),
    "speclin_graph_eigsh": (_S, [c_void_p, c_size_t, POINTER(EigshOptions), _f64p, _f64p, _f64p, POINTER(EigshInfo)]),
    "speclin_spopulation_loss": (_S, [c_void_p, _f32p, c_size_t, _f64p, _f32p]),
    "speclin_dpopulation_loss": (_S, [c_void_p, _f64p, c_size_t, _f64p, _f64p]),
    "speclin_closed_form_optimum": (_S, [c_void_p, c_size_t, POINTER(EigshOptions), _f64p, _f64p, _f64p]),
    "speclin_sbipartite_from_csr": (_S, [c_size_t, c_size_t, _i64p, _i32p, _f32p, POINTER(c_void_p)]),
    "speclin_dbipartite_from_csr": (_S, [c_size_t, c_size_t, _i64p, _i32p, _f64p, POINTER(c_void_p)]),
    "speclin_bipartite_free": (None, [c_void_p]),
    "speclin_bipartite_info": (_S, [c_void_p, POINTER(c_size_t), POINTER(c_size_t), POINTER(c_size_t), POINTER(c_size_t)]),
    "speclin_bipartite_marginals": (_S, [c_void_p, _f64p, _f64p]),
    "speclin_bipartite_normalized_multiply": (_S, [c_void_p, c_int, _f64p, _f64p, c_size_t]),
    "speclin_bipartite_normalized_frobenius2": (_S, [c_void_p, _f64p]),
    "speclin_bipartite_svds": (_S, [c_void_p, c_size_t, POINTER(EigshOptions), _f64p, _f64p, _f64p, _f64p, POINTER(EigshInfo)]),
    "speclin_sbipartite_population_loss": (_S, [c_void_p, _f32p, _f32p, c_size_t, _f64p, _f32p, _f32p]),
    "speclin_dbipartite_population_loss": (_S, [c_void_p, _f64p, _f64p, c_size_t, _f64p, _f64p, _f64p]),
    "speclin_bipartite_closed_form_optimum": (_S, [c_void_p, c_size_t, POINTER(EigshOptions), _f64p, _f64p, _f64p, _f64p]),
}

_lib = None


def lib():
    """The loaded library, its functions declared (loaded on first use)."""
    global _lib
    if _lib is None:
        loaded = ctypes.CDLL(library_path())
        for name, (restype, argtypes) in _SIGNATURES.items():
            f = getattr(loaded, name)
            f.restype = restype
            f.argtypes = argtypes
        _lib = loaded
    return _lib


class NativeHandle:
    """An object that owns a native handle (`_handle`), freed by `close()` or when collected.
    Subclasses name the library function that frees it (`_free`)."""

    _free = None
    _handle = None

    def close(self):
        """Frees the native object now (otherwise when the Python object is collected)."""
        if self._handle is not None:
            getattr(lib(), self._free)(self._handle)
            self._handle = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _h(self):
        if self._handle is None:
            raise ValueError("the graph was closed")
        return self._handle


def check(status, partial=None):
    """Raises for a status other than OK, with the library's message for this thread."""
    if status == OK:
        return
    message = lib().speclin_last_error().decode("utf-8", "replace")
    code = _CODES.get(status, "ERR_INTERNAL")
    if status in (ERR_ARGUMENT, ERR_GRAPH):
        raise SpeclinValueError(code, message)
    if status == ERR_NO_MEMORY:
        raise MemoryError(message)
    raise SpeclinError(code, message, partial)


def version():
    """libspeclin's version (the npm package's)."""
    return lib().speclin_version().decode()


def set_threads(n):
    """Threads the native core may use; n <= 0 restores the default (the machine's cores)."""
    lib().speclin_set_threads(int(n))


def get_threads():
    return lib().speclin_get_threads()
