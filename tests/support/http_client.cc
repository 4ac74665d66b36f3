#include "http_client.h"

#include <httplib.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "loopback.h"

namespace nines::testing {

namespace {

// Generous for a loaded machine: a test that fails waits this long, one that passes never does.
constexpr int kConnectSeconds = 5;
constexpr int kReplySeconds = 10;

httplib::Client client(std::uint16_t port) {
  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(kConnectSeconds, 0);
  http.set_read_timeout(kReplySeconds, 0);
  http.set_write_timeout(kReplySeconds, 0);
  return http;
}

HttpReply replyOf(const httplib::Result& result) {
  HttpReply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.body = result->body;
  reply.content_type = result->get_header_value("Content-Type");
  for (const auto& [name, value] : result->headers) reply.headers.emplace_back(name, value);
  return reply;
}

// The value of header `name` in the header block `head` ("" when absent).
std::string headerValue(const std::string& head, const std::string& name) {
  for (std::size_t at = head.find("\r\n"); at != std::string::npos;
       at = head.find("\r\n", at + 2)) {
    const std::size_t start = at + 2;
    if (head.size() < start + name.size() + 1 ||
        strncasecmp(head.c_str() + start, name.c_str(), name.size()) != 0 ||
        head[start + name.size()] != ':') {
      continue;
    }
    std::size_t value = head.find_first_not_of(' ', start + name.size() + 1);
    std::size_t end = head.find("\r\n", start);
    if (value == std::string::npos || value > end) return "";
    return head.substr(value, (end == std::string::npos ? head.size() : end) - value);
  }
  return "";
}

}  // namespace

std::string headerOf(const HttpReply& reply, const std::string& name) {
  for (const auto& [key, value] : reply.headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  }
  return "";
}

HttpReply httpGet(std::uint16_t port, const std::string& path) {
  return replyOf(client(port).Get(path.c_str()));
}

HttpReply httpPost(std::uint16_t port, const std::string& path, const std::string& body,
                   const std::string& token, const HttpHeaders& headers) {
  httplib::Headers all(headers.begin(), headers.end());
  if (!token.empty()) all.emplace("Authorization", "Bearer " + token);
  return replyOf(client(port).Post(path.c_str(), all, body, "application/json"));
}

HttpReply rawHttpExchange(std::uint16_t port, const std::string& request) {
  HttpReply reply;
  int fd = connectLoopback(SOCK_STREAM, port);
  if (fd < 0) return reply;
  std::string text;
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kReplySeconds);
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      pollfd poll_fd{fd, POLLIN, 0};
      if (left <= 0 || poll(&poll_fd, 1, static_cast<int>(left)) <= 0) break;
      char buffer[4096];
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
      const std::size_t end = text.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      const std::string length = headerValue(text.substr(0, end + 2), "Content-Length");
      if (length.empty() || text.size() >= end + 4 + std::stoul(length)) break;
    }
  }
  close(fd);
  // "HTTP/1.1 413 Payload Too Large\r\n..."
  if (text.size() < 12 || text.compare(0, 5, "HTTP/") != 0) return reply;
  reply.status = std::atoi(text.c_str() + 9);
  const std::size_t end = text.find("\r\n\r\n");
  if (end == std::string::npos) return reply;
  reply.content_type = headerValue(text.substr(0, end + 2), "Content-Type");
  reply.body = text.substr(end + 4);
  return reply;
}

}  // namespace nines::testing
