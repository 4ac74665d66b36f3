// A cpp-httplib server that applies ApiGuard (api_guard.h) to every connection: the connection
// cap per client address at the accept, and the header and request deadlines on every read and
// write. One request per connection (cpp-httplib gives a connection a thread for as long as it
// stays open). Routes, handlers and the pre-routing handler are cpp-httplib's own.
#pragma once

#include <httplib.h>

#include <string>

#include "api_guard.h"

namespace nines::dnsd {

class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(ApiGuard& guard) : guard_(guard) {}

  // For the pre-routing handler, on the connection's own thread: the client's address (as
  // admitted), and marks the headers as read, so that the deadline becomes request_timeout.
  static const std::string& currentClient();
  static void headersRead();

 private:
  bool process_and_close_socket(socket_t sock) override;

  ApiGuard& guard_;
};

}  // namespace nines::dnsd
