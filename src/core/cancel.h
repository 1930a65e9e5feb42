// Cooperative cancellation for SIGINT/SIGTERM.
//
//   install_signal_handlers();          // once, in main()
//   while (...) { throw_if_cancelled(); ... }
//
// The handler only sets a flag; long loops poll it and throw Interrupted, so
// destructors (AtomicFile) remove partial outputs on the way out.
#pragma once

namespace reelpack {

void install_signal_handlers();
bool cancel_requested();
void request_cancel();  // for tests and for a second worker that failed
void throw_if_cancelled();

}  // namespace reelpack
