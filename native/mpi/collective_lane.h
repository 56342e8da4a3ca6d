// The order in which this process makes its MPI calls, whichever thread makes them.
//
// MPI is initialized MPI_THREAD_SERIALIZED: any thread may call MPI, never two at once. The
// Promise forms run their collectives on a libuv worker while the main thread goes on, so two
// rules are kept here:
//  1. Mutual exclusion: one MPI call sequence at a time (a Turn holds the lane).
//  2. Program order: collectives must be entered in the same order on every rank, and a Promise
//     form's worker may start late. So every collective takes a ticket on the main thread when it
//     is *called* (the same point of the rank program on every rank) and runs only when the
//     tickets before it are done, whether it runs on the main thread (a Sync form, which blocks
//     until then) or on a worker (a Promise form).
// A blocked main thread waits only for workers that are already queued or running, which need
// nothing from it, so a Sync call made while a Promise form is in flight waits and then runs: it
// never deadlocks and never runs out of order.
#pragma once
#include <cstdint>

namespace speclin::mpi {

// Takes the next ticket (call it on the main thread, at the call).
std::uint64_t take_ticket();

// Whether a ticket was taken whose turn has not ended: a collective is running or waiting to.
bool lane_busy();

// Holds the lane for `ticket`: the constructor waits until every earlier ticket is done, the
// destructor lets the next one run (also when the work threw).
class Turn {
 public:
  explicit Turn(std::uint64_t ticket);
  ~Turn();
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;

 private:
  std::uint64_t ticket_;
};

// A ticket taken and its turn waited for at once: a Sync form on the main thread.
struct SyncTurn : Turn {
  SyncTurn() : Turn(take_ticket()) {}
};

}  // namespace speclin::mpi
