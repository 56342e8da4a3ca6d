// The Promise form of a speclin collective: the agreement check of src/collective.ts (one MAX
// allreduce of the call's 32-number descriptor) and the collective work, both on a libuv worker in
// the call's turn of the lane (collective_lane.h), so that the main thread goes on meanwhile.
#pragma once
#include <functional>
#include <vector>

#include "../addon/common.h"

namespace speclin::mpi {

// The descriptor's length (src/collective.ts DESCRIPTOR_SLOTS): 15 fields as (v, -v) pairs, then
// the failure flag and the failing rank.
constexpr std::size_t kDescriptorSlots = 32;

// Reads a descriptor (a Float64Array of kDescriptorSlots numbers).
std::vector<double> read_descriptor(Napi::Value v);

// Takes a ticket now (the call's place in the rank program) and returns a Promise of
// { descriptor: the reduced descriptor, result }: on a worker, in the ticket's turn, the
// descriptor is reduced (MAX), and `work` runs only where it shows every rank agreeing and none
// failed (then `result` is done(env), else undefined; the caller reads the descriptor to say why).
// An empty `work` only takes part in the check (a rank whose own arguments were refused).
// ERR_MPI_THREADS (thrown here, before any ticket) where MPI gave less than
// MPI_THREAD_SERIALIZED: then only the Sync forms can run.
Napi::Promise run_collective_async(Napi::Env env, const char* name, std::vector<double> descriptor,
                                   std::function<void()> work, std::function<Napi::Value(Napi::Env)> done);

// The thread level MPI_Init_thread provided (set by initMpi).
void set_thread_level(int provided);

}  // namespace speclin::mpi
