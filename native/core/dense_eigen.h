// Eigen-decomposition of a dense symmetric matrix in float64: Householder reduction to tridiagonal
// form, then the implicit QL method with Wilkinson-like shifts (EISPACK tred2/tql2, as in JAMA).
// It serves two jobs: the whole problem when the operator is small (n <= 256), and the projected
// problems of the Lanczos solver (a few hundred rows at most). O(n^3), single-threaded.
#pragma once
#include <cstddef>

namespace speclin {

// A is n x n row-major (leading dimension lda), read only and assumed symmetric (only the lower
// triangle is used). On return values[0..n) hold the eigenvalues in descending order and column i
// of `vectors` (n x n row-major, leading dimension n) the unit eigenvector of values[i].
// Throws std::runtime_error if the QL iteration does not converge (it does for any finite input)
// and std::invalid_argument if A holds a NaN or an infinity.
void symmetric_eigen(std::size_t n, const double* A, std::size_t lda, double* values,
                     double* vectors);

}  // namespace speclin
