// The registry behind make_handle (handles.h).
#include "handles.h"

#include <mutex>
#include <unordered_map>
#include <vector>

namespace speclin::addon::handles {
namespace {

struct Owned {
  napi_env env;
  void (*destroy)(void*);
};

std::mutex registry_mutex;
// Never destroyed: at process exit, where Node runs neither finalizers nor cleanup hooks, the
// handles still alive stay reachable from here (LeakSanitizer does not count them as lost).
auto& registry = *new std::unordered_map<void*, Owned>();

}  // namespace

void adopt(napi_env env, void* data, void (*destroy)(void*)) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  registry.emplace(data, Owned{env, destroy});
}

bool release(void* data) {
  Owned owned{};
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = registry.find(data);
    if (it == registry.end()) return false;
    owned = it->second;
    registry.erase(it);
  }
  owned.destroy(data);
  return true;
}

void release_all(napi_env env) {
  std::vector<std::pair<void*, Owned>> mine;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    for (auto it = registry.begin(); it != registry.end();) {
      if (it->second.env == env) {
        mine.emplace_back(*it);
        it = registry.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [data, owned] : mine) owned.destroy(data);
}

namespace {
void Init(Napi::Env env, Napi::Object) {
  napi_env raw = env;
  env.AddCleanupHook([raw]() { release_all(raw); });
}
}  // namespace
SPECLIN_REGISTER(Init);

}  // namespace speclin::addon::handles
