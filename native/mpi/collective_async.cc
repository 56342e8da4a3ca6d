#include "collective_async.h"

#include <mpi.h>

#include <cmath>
#include <memory>

#include "collective_lane.h"
#include "mpi_check.h"

namespace speclin::mpi {

namespace {
int thread_level = MPI_THREAD_SINGLE;

// Every field's max equals its min (slot 2i holds max v, slot 2i + 1 holds max -v; a slot no rank
// filled stays -inf in both), and no rank raised the failure flag.
bool ranks_agree(const std::vector<double>& d) {
  const std::size_t flag = kDescriptorSlots - 2;
  if (d[flag] > 0) return false;
  for (std::size_t i = 0; i + 1 < flag; i += 2) {
    const bool unused = std::isinf(d[i]) && d[i] < 0 && std::isinf(d[i + 1]) && d[i + 1] < 0;
    if (!unused && d[i] != -d[i + 1]) return false;
  }
  return true;
}
}  // namespace

void set_thread_level(int provided) { thread_level = provided; }

std::vector<double> read_descriptor(Napi::Value v) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      v.As<Napi::Float64Array>().ElementLength() != kDescriptorSlots)
    addon::throw_type("speclin/mpi: the call descriptor must be a Float64Array of " + std::to_string(kDescriptorSlots) + " numbers");
  auto a = v.As<Napi::Float64Array>();
  return std::vector<double>(a.Data(), a.Data() + kDescriptorSlots);
}

Napi::Promise run_collective_async(Napi::Env env, const char* name, std::vector<double> descriptor,
                                   std::function<void()> work, std::function<Napi::Value(Napi::Env)> done) {
  require_active(name);
  if (thread_level < MPI_THREAD_SERIALIZED)
    throw addon::JsError(addon::JsError::Generic,
                         std::string(name) + ": this MPI library gave thread level " +
                             (thread_level == MPI_THREAD_FUNNELED ? "MPI_THREAD_FUNNELED" : "MPI_THREAD_SINGLE") +
                             ", below the MPI_THREAD_SERIALIZED a Promise form needs to run its collectives on a worker "
                             "thread; use the Sync form",
                         "ERR_MPI_THREADS");
  struct State {
    std::vector<double> descriptor;
    bool ran = false;
  };
  auto state = std::make_shared<State>();
  state->descriptor = std::move(descriptor);
  const std::uint64_t ticket = take_ticket();
  auto in_turn = [state, ticket, work = std::move(work)]() {
    Turn turn(ticket);
    check(MPI_Allreduce(MPI_IN_PLACE, state->descriptor.data(), static_cast<int>(kDescriptorSlots), MPI_DOUBLE, MPI_MAX,
                        MPI_COMM_WORLD),
          "MPI_Allreduce");
    if (!work || !ranks_agree(state->descriptor)) return;
    work();
    state->ran = true;
  };
  auto settle = [state, done = std::move(done)](Napi::Env e) -> Napi::Value {
    Napi::Object out = Napi::Object::New(e);
    Napi::Float64Array d = Napi::Float64Array::New(e, kDescriptorSlots);
    std::copy(state->descriptor.begin(), state->descriptor.end(), d.Data());
    out.Set("descriptor", d);
    out.Set("result", state->ran ? done(e) : e.Undefined());
    return out;
  };
  try {
    return addon::run_async(env, name, std::move(in_turn), std::move(settle));
  } catch (...) {
    // The worker was not queued: the ticket's turn still has to pass, or every later call waits.
    Turn pass(ticket);
    throw;
  }
}

}  // namespace speclin::mpi
