// Dropping root after the sockets are bound ([server] user): dnsd started as root binds port 53,
// then runs as an unprivileged user for the rest of its life, so a bug in the query path cannot
// write the zone files or anything else root owns.
#pragma once

#include <sys/types.h>

#include <string>

namespace nines::dnsd {

struct RunAs {
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;  // the user's primary group
};

// The passwd entry of `user`; false with `error` set ("no user \"x\" on this system").
bool lookupUser(const std::string& user, RunAs* out, std::string* error);

// Becomes `who`: supplementary groups set to the user's, then the group, then the user (in that
// order: setgid needs root). Afterwards checks that root cannot be regained (setuid(0) must fail)
// and that the real, effective and saved ids are all the user's. Not running as root: nothing to
// drop when already `who`, an error otherwise. Call before any thread is started. False with
// `error` set on failure; the caller must then exit, never serve as root by accident.
bool dropPrivileges(const RunAs& who, std::string* error);

}  // namespace nines::dnsd
