#include "nines/dnsd/control/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace nines::dnsd {

bool lookupUser(const std::string& user, RunAs* out, std::string* error) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  int rc = getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr) {
    *error = "no user \"" + user + "\" on this system" +
             (rc != 0 ? std::string(" (") + std::strerror(rc) + ")" : "");
    return false;
  }
  out->user = user;
  out->uid = found->pw_uid;
  out->gid = found->pw_gid;
  return true;
}

bool dropPrivileges(const RunAs& who, std::string* error) {
  auto fail = [&](const std::string& what) {
    *error = "cannot run as user \"" + who.user + "\": " + what + ": " + std::strerror(errno);
    return false;
  };
  if (geteuid() != 0) {
    if (geteuid() == who.uid && getuid() == who.uid) return true;  // already the user
    errno = EPERM;
    return fail("not started as root");
  }
  if (initgroups(who.user.c_str(), who.gid) != 0) return fail("initgroups");
  if (setresgid(who.gid, who.gid, who.gid) != 0) return fail("setresgid");
  if (setresuid(who.uid, who.uid, who.uid) != 0) return fail("setresuid");
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0) {
    return fail("getresuid");
  }
  if (ruid != who.uid || euid != who.uid || suid != who.uid || rgid != who.gid || egid != who.gid ||
      sgid != who.gid) {
    errno = EPERM;
    return fail("the ids did not all change");
  }
  // The user itself may be root (uid 0 under another name): then there is nothing to verify.
  if (who.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
    errno = EPERM;
    return fail("root could be regained");
  }
  return true;
}

}  // namespace nines::dnsd
