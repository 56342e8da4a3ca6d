// MPI return codes as C++ exceptions. COMM_WORLD's error handler is MPI_ERRORS_RETURN (set by
// init), so a failing call returns here and becomes a SpeclinError with code ERR_MPI instead of
// the default handler's abort of the job.
#pragma once
#include <mpi.h>

#include <string>

#include "../addon/common.h"

namespace speclin::mpi {

inline void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw addon::JsError(addon::JsError::Generic, std::string("speclin/mpi: ") + call + " failed: " + std::string(text, len),
                       "ERR_MPI");
}

// Throws ERR_MPI_NOT_INITIALIZED unless MPI is initialized and not yet finalized.
void require_active(const char* what);

}  // namespace speclin::mpi
