// What every C entry point shares: the checks throw std::invalid_argument with a message naming
// the argument, and `guarded` turns every C++ exception into a status and the thread's last error,
// so that nothing crosses the C boundary.
#pragma once
#include <new>
#include <stdexcept>
#include <string>

#include "../core/graph.h"
#include "speclin.h"

namespace speclin::c_api {

// Records the message that speclin_last_error() returns on this thread, and returns `status`.
speclin_status fail(speclin_status status, const std::string& message);

// Throws std::invalid_argument("fn: message") unless ok.
inline void require(bool ok, const char* fn, const std::string& message) {
  if (!ok) throw std::invalid_argument(std::string(fn) + ": " + message);
}

// A pointer that must be present when its array has elements.
inline void require_data(const void* p, std::size_t elements, const char* fn, const char* name) {
  require(p != nullptr || elements == 0, fn, std::string(name) + " is NULL");
}

template <typename F>
speclin_status guarded(const char* fn, F&& body) {
  try {
    return body();
  } catch (const GraphError& e) {
    return fail(SPECLIN_ERR_GRAPH, std::string(fn) + ": " + e.what() + " (" + e.code + ")");
  } catch (const std::invalid_argument& e) {
    return fail(SPECLIN_ERR_ARGUMENT, e.what());
  } catch (const std::bad_alloc&) {
    return fail(SPECLIN_ERR_NO_MEMORY, std::string(fn) + ": out of memory");
  } catch (const std::exception& e) {
    return fail(SPECLIN_ERR_INTERNAL, std::string(fn) + ": internal error: " + e.what());
  } catch (...) {
    return fail(SPECLIN_ERR_INTERNAL, std::string(fn) + ": internal error (an unknown exception)");
  }
}

}  // namespace speclin::c_api
