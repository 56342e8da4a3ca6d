#include "collective_lane.h"

#include <condition_variable>
#include <mutex>

namespace speclin::mpi {

namespace {
std::mutex lane_mutex;
std::condition_variable lane_turn;
std::uint64_t next_ticket = 0;  // guarded by lane_mutex
std::uint64_t serving = 0;      // the ticket whose turn it is; guarded by lane_mutex
}  // namespace

std::uint64_t take_ticket() {
  std::lock_guard<std::mutex> lock(lane_mutex);
  return next_ticket++;
}

bool lane_busy() {
  std::lock_guard<std::mutex> lock(lane_mutex);
  return serving != next_ticket;
}

Turn::Turn(std::uint64_t ticket) : ticket_(ticket) {
  std::unique_lock<std::mutex> lock(lane_mutex);
  lane_turn.wait(lock, [&] { return serving == ticket_; });
}

Turn::~Turn() {
  {
    std::lock_guard<std::mutex> lock(lane_mutex);
    serving = ticket_ + 1;
  }
  lane_turn.notify_all();
}

}  // namespace speclin::mpi
