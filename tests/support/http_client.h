// HTTP for tests against a server on 127.0.0.1: GET and POST through cpp-httplib, and a raw
// exchange for the requests a client library will not send (a body announced and never written,
// no Content-Length at all).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nines::testing {

// A response; status 0 when none came.
struct HttpReply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // every header, as received
};

// The value of the first header `name` (any case) of `reply`, "" when there is none.
std::string headerOf(const HttpReply& reply, const std::string& name);

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

HttpReply httpGet(std::uint16_t port, const std::string& path);
// POST `body` as application/json; a non-empty `token` adds "Authorization: Bearer TOKEN", and
// `headers` are added as they are.
HttpReply httpPost(std::uint16_t port, const std::string& path, const std::string& body,
                   const std::string& token = "", const HttpHeaders& headers = {});
// Writes `request` as it is on a fresh connection to 127.0.0.1:`port` and reads the response: the
// status line, the headers, and as much body as its Content-Length says (or what came before the
// peer closed or 10 s passed).
HttpReply rawHttpExchange(std::uint16_t port, const std::string& request);

}  // namespace nines::testing
