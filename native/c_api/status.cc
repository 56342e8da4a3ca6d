// Status messages, the thread-local last error, the version and the thread count.
#include <string>

#include "../core/thread_pool.h"
#include "guard.h"

#ifndef SPECLIN_VERSION_STRING
#error "the build defines SPECLIN_VERSION_STRING (package.json's version)"
#endif

namespace speclin::c_api {
namespace {
thread_local std::string last_error;
}

speclin_status fail(speclin_status status, const std::string& message) {
  try {
    last_error = message;
  } catch (...) {
    last_error.clear();  // no memory even for the message: the status still says what happened
  }
  return status;
}

}  // namespace speclin::c_api

extern "C" {

const char* speclin_status_message(speclin_status status) {
  switch (status) {
    case SPECLIN_OK: return "ok";
    case SPECLIN_ERR_ARGUMENT: return "invalid argument";
    case SPECLIN_ERR_NO_MEMORY: return "out of memory";
    case SPECLIN_ERR_INTERNAL: return "internal error";
    case SPECLIN_ERR_GRAPH: return "invalid graph data";
    case SPECLIN_ERR_NOT_CONVERGED: return "not converged";
    case SPECLIN_ERR_CALLBACK: return "the operator callback failed";
  }
  return "unknown status";
}

const char* speclin_last_error(void) { return speclin::c_api::last_error.c_str(); }

const char* speclin_version(void) { return SPECLIN_VERSION_STRING; }

void speclin_set_threads(int n) { speclin::set_threads(n); }
int speclin_get_threads(void) { return speclin::get_threads(); }

}  // extern "C"
