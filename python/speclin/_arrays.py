"""NumPy arrays in and out of libspeclin: C-contiguous float32/float64 arrays are passed without a
copy; anything else real-valued is copied once into a C-contiguous float64 (or the other
argument's dtype). Errors name the argument: TypeError for a wrong type, ValueError for a wrong
shape."""
import ctypes

import numpy as np

_POINTERS = {np.dtype(np.float32): ctypes.POINTER(ctypes.c_float), np.dtype(np.float64): ctypes.POINTER(ctypes.c_double)}


def floats(x, name, ndim=2, dtype=None):
    """x as a C-contiguous float32 or float64 array with `ndim` dimensions (a tuple allows
    several), not copied when it already is one (and of `dtype` when given)."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        raise TypeError(f"{name} must be a NumPy array, not a torch tensor (use speclin.torch for tensors)")
    try:
        a = np.asarray(x)
    except Exception as e:  # ragged lists and the like
        raise TypeError(f"{name} must be a real NumPy array: {e}") from None
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
    want = np.dtype(dtype) if dtype is not None else (a.dtype if a.dtype in _POINTERS else np.dtype(np.float64))
    a = np.ascontiguousarray(a, dtype=want)
    dims = ndim if isinstance(ndim, tuple) else (ndim,)
    if a.ndim not in dims:
        shape = " or ".join(f"{d}-D" for d in dims)
        raise ValueError(f"{name} must be {shape}, got shape {a.shape}")
    return a


def same_dtype(a, b, names):
    if a.dtype != b.dtype:
        raise TypeError(f"{names[0]} and {names[1]} must have the same dtype, got {a.dtype} and {b.dtype}")


def ptr(a):
    """A ctypes pointer to a's data (a C-contiguous float32, float64, int32 or int64 array)."""
    if a is None:
        return None
    if a.dtype in _POINTERS:
        return a.ctypes.data_as(_POINTERS[a.dtype])
    if a.dtype == np.int32:
        return a.ctypes.data_as(ctypes.POINTER(ctypes.c_int32))
    if a.dtype == np.int64:
        return a.ctypes.data_as(ctypes.POINTER(ctypes.c_int64))
    raise TypeError(f"no pointer type for dtype {a.dtype}")


def prefix(a, s, d):
    """The float32 (s) or float64 (d) function of a family, by a's dtype."""
    return s if a.dtype == np.float32 else d


def positive_int(k, name, upper=None, upper_name=None):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(k).__name__}")
    k = int(k)
    if k < 1:
        raise ValueError(f"{name} must be at least 1, got {k}")
    if upper is not None and k > upper:
        raise ValueError(f"{name} = {k} exceeds {upper_name} = {upper}")
    return k
