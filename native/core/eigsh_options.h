// eigsh's options checked and resolved in one place: every binding (addon, C ABI, the
// TypeScript wrapper through the addon) passes EigshOptions here and gets either a plan or a
// std::invalid_argument naming the option (a RangeError in JavaScript, SPECLIN_ERR_INVALID_ARGUMENT
// in C). The bindings check only types and shapes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "eigsh.h"

namespace speclin {

struct EigshPlan {
  std::size_t n = 0, k = 0;
  std::size_t block = 0;     // Lanczos block size
  std::size_t basis = 0;     // Lanczos basis columns, deflated ones included
  std::size_t v0_cols = 0, deflate_cols = 0;
  std::size_t max_iterations = 0;
  double tol = 0, norm_bound = 0;  // norm_bound 0: the largest |Ritz value| seen
  std::uint64_t seed = 0;
  bool dense = false;
  bool lagged = true;  // the lagged projection (one read of the basis a step)
  bool device = false;  // the basis on a device (EigshOptions::device_basis)
};

// How a binding names the function and the options in plan_eigsh's messages: the TypeScript
// API's names by default; the C ABI passes its own ("speclin_graph_eigsh", "options->tol"), so
// that these checks are its checks too.
struct EigshOptionNames {
  const char* function = "eigsh";
  const char* tol = "tol";
  const char* max_iterations = "maxIterations";
  const char* block_size = "blockSize";
  const char* basis_size = "basisSize";
};

// Validates `o` for an operator of size n and resolves the automatic choices.
EigshPlan plan_eigsh(std::size_t n, const EigshOptions& o, const EigshOptionNames& names = EigshOptionNames{});

[[noreturn]] void eigsh_bad_option(const std::string& message);

// A number for a message, in the precision it needs ("1.53e-09"; std::to_string would print
// "0.000000").
std::string format_number(double x);

}  // namespace speclin
