#include "core/cancel.h"

#include <atomic>
#include <csignal>

#include "core/error.h"

namespace reelpack {
namespace {
std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free, "flag must be safe in a signal handler");

extern "C" void on_signal(int) {
  g_cancel.store(true, std::memory_order_relaxed);
}
}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

bool cancel_requested() {
  return g_cancel.load(std::memory_order_relaxed);
}
void request_cancel() {
  g_cancel.store(true, std::memory_order_relaxed);
}

void throw_if_cancelled() {
  if (cancel_requested()) throw Interrupted();
}

}  // namespace reelpack
