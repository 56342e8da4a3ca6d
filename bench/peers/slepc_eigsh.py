"""SLEPc peer of `npm run bench -- mpi`: Krylov-Schur (EPS) for the k largest eigenvalues of a
graph's normalized adjacency, run under mpirun by bench/mpi.ts at the rank counts speclin's
distributed eigsh runs at, on the same Matrix Market file.

Usage: mpirun -np P python3 slepc_eigsh.py FILE K TOL     (rank 0 prints one JSON line)
       python3 slepc_eigsh.py --check                      (prints the versions, or exits 3)

Debian's python3-slepc4py (bookworm: SLEPc 3.18, PETSc 3.18, Open MPI 4.1) installs its modules
under /usr/lib/{slepc,petsc}dir/*/*/lib/python3/dist-packages and finds them through the
/usr/lib/slepc and /usr/lib/petsc links that only the -dev packages make (or SLEPC_DIR and
PETSC_DIR): without those, the directories are added here.

The matrix: Ā = D^{-1/2} A D^{-1/2} as a PETSc MPIAIJ matrix, rows split PETSc's default way (equal
counts; speclin splits by stored entries, the same within a few rows on this graph). Each rank
parses the whole file and keeps its rows (not timed). The solve: EPS Krylov-Schur, HEP, largest
algebraic, nev = K, the absolute convergence test ||A x - λ x|| <= TOL (speclin's criterion;
||Ā|| = 1), SLEPc's default basis (ncv) and start vector. Timed: EPSSolve alone, the maximum over
the ranks. Matrix products: PETSc's MatMult event count during the solve. Residuals: EPSComputeError
(absolute) for the K pairs, after the timing."""
import glob
import json
import os
import sys
import time


def import_slepc():
    try:
        import slepc4py  # noqa: F401
    except ImportError:
        for pattern in ("/usr/lib/petscdir/*/*-real/lib/python3/dist-packages",
                        "/usr/lib/slepcdir/*/*-real/lib/python3/dist-packages"):
            for d in sorted(glob.glob(pattern)):
                if d not in sys.path:
                    sys.path.append(d)
        import slepc4py  # noqa: F401
    return slepc4py


if len(sys.argv) > 1 and sys.argv[1] == "--check":
    # The compiled modules too (a python of another version or numpy ABI finds the package but
    # cannot load them).
    try:
        import_slepc().init([sys.argv[0]])
        from slepc4py import SLEPc  # noqa: F401
        from petsc4py import PETSc  # noqa: F401
    except Exception as e:  # ImportError, or an ABI failure raised as something else
        print(f"slepc4py is not importable: {type(e).__name__}: {e}".splitlines()[0])
        sys.exit(3)
    import slepc4py
    import petsc4py
    print(f"slepc4py {slepc4py.__version__}, petsc4py {petsc4py.__version__}")
    sys.exit(0)

slepc4py = import_slepc()
slepc4py.init([sys.argv[0]])
import numpy as np  # noqa: E402
from petsc4py import PETSc  # noqa: E402
from slepc4py import SLEPc  # noqa: E402

path, k, tol = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
comm = PETSc.COMM_WORLD
rank, size = comm.getRank(), comm.getSize()

# The Matrix Market file: banner, comments, size line, then "i j [w]" lines (1-based).
with open(path, "rb") as f:
    banner = f.readline().decode().lower().split()
    line = f.readline()
    while line.startswith(b"%") or not line.strip():
        line = f.readline()
    n, _, entries = (int(x) for x in line.split())
    data = np.fromstring(f.read(), sep=" ")  # whitespace-separated numbers, fast
pattern = banner[3] == "pattern"
symmetric = banner[4] == "symmetric"
fields = 2 if pattern else 3
data = data.reshape(-1, fields)
assert data.shape[0] == entries, f"{path}: {data.shape[0]} entries read, {entries} declared"
rows = data[:, 0].astype(np.int64) - 1
cols = data[:, 1].astype(np.int64) - 1
vals = np.ones(entries) if pattern else data[:, 2].copy()
del data
if symmetric:
    off = rows != cols
    rows, cols, vals = np.concatenate([rows, cols[off]]), np.concatenate([cols, rows[off]]), np.concatenate([vals, vals[off]])
degree = np.bincount(rows, weights=vals, minlength=n)
vals = vals / np.sqrt(degree[rows] * degree[cols])

# PETSc's default split: n // P rows each, one more for the first n % P ranks.
local = n // size + (1 if rank < n % size else 0)
first = rank * (n // size) + min(rank, n % size)
mine = (rows >= first) & (rows < first + local)
r, c, v = rows[mine] - first, cols[mine], vals[mine]
del rows, cols, vals
order = np.lexsort((c, r))
r, c, v = r[order], c[order], v[order]
indptr = np.zeros(local + 1, dtype=PETSc.IntType)
np.cumsum(np.bincount(r, minlength=local), out=indptr[1:])
A = PETSc.Mat().createAIJ(size=((local, n), (local, n)), csr=(indptr, c.astype(PETSc.IntType), v), comm=comm)
A.assemble()
del r, c, v

eps = SLEPc.EPS().create(comm)
eps.setOperators(A)
eps.setProblemType(SLEPc.EPS.ProblemType.HEP)
eps.setType(SLEPc.EPS.Type.KRYLOVSCHUR)
eps.setWhichEigenpairs(SLEPc.EPS.Which.LARGEST_REAL)
eps.setDimensions(nev=k)
eps.setTolerances(tol=tol, max_it=10000)
eps.setConvergenceTest(SLEPc.EPS.Conv.ABS)
eps.setUp()

PETSc.Log.begin()
matmult = PETSc.Log.Event("MatMult")
before = matmult.getPerfInfo()["count"]
comm.barrier()
t0 = time.perf_counter()
eps.solve()
seconds = time.perf_counter() - t0
products = matmult.getPerfInfo()["count"] - before
nconv = eps.getConverged()
values = [eps.getEigenvalue(i).real for i in range(min(k, nconv))]
residuals = [eps.computeError(i, SLEPc.EPS.ErrorType.ABSOLUTE) for i in range(min(k, nconv))]
# The slowest rank's time: a reduction through a tiny Vec (petsc4py has no bare allreduce).
times = PETSc.Vec().createMPI((1, size), comm=comm)
times.setValue(rank, seconds)
times.assemble()
slowest = times.max()[1]
ncv = eps.getDimensions()[1]
nnz = int(A.getInfo(PETSc.Mat.InfoType.GLOBAL_SUM)["nz_used"])  # collective
if rank == 0:
    print(json.dumps({
        "slepc": ".".join(map(str, SLEPc.Sys.getVersion())),
        "petsc": ".".join(map(str, PETSc.Sys.getVersion())),
        "ranks": size,
        "n": n,
        "nnz": nnz,
        "k": k,
        "tol": tol,
        "ncv": ncv,
        "seconds": slowest,
        "matvecs": int(products),
        "restarts": eps.getIterationNumber(),
        "converged": nconv,
        "values": values,
        "max_residual": max(residuals) if residuals else None,
        "load": os.getloadavg()[0],
    }))
