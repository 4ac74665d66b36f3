// The query a logged response answered, rebuilt from the response alone: AUTH_RESPONSE frames
// carry no query_message unless [query_log] query_message = true, and ninesctl replay still has to
// ask the same question again. dnsd's response copies from its query everything answering
// depends on: the ID, the opcode, RD and CD (RFC 1035 §4.1.1, RFC 6840 §5.9), the question
// octets as they came, and, when the query had EDNS, an OPT record with DO copied (RFC 3225 §3)
// and the ECS option echoed with the query's family, source prefix and address (RFC 7871 §7.2.1).
// What it does not keep is the query's advertised UDP size (the rebuilt OPT states the
// response's) and options dnsd does not read (cookies, NSID).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace nines::dnsd::querylog {

// The query `response` answered; nullopt when it has no single question to rebuild from (a
// FORMERR to a query that did not parse) or is not a well-formed message.
std::optional<std::vector<std::uint8_t>> queryFromResponse(const std::uint8_t* response,
                                                           std::size_t size);

}  // namespace nines::dnsd::querylog
