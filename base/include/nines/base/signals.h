// The daemons' (dnsd, prober) signal set-up: SIGTERM, SIGINT and SIGHUP are blocked in the calling
// thread — and so in every thread it starts later — to be taken synchronously with sigtimedwait();
// SIGPIPE is ignored so a peer that hangs up is an error return, not a death.
#pragma once

#include <signal.h>

namespace nines::base {

// Call before starting any thread. Returns the set to pass to sigtimedwait().
sigset_t blockControlSignals();

}  // namespace nines::base
