// The direction of dependencies (DESIGN.md "Layout"), checked on the sources: every folder may
// include headers only from the folders it stands on, and third-party headers only where that
// library belongs. CMake's include paths catch most of this at build time; this catches the rest
// (a header reached through a public dependency, a third-party header in the wrong library) and
// says which line and which rule.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "process.h"

namespace fs = std::filesystem;

namespace nines::layout {
namespace {

// One concern: its folder, where its public headers are, and what it may include.
struct Module {
  std::string name;
  std::string folder;                // relative to the root; its sources and headers
  std::vector<std::string> include;  // its public include directories, relative to the root
  std::set<std::string> uses;        // modules it may include (itself always)
  std::set<std::string> libraries;   // third-party headers it may include (keys of kLibraries)
};

// The modules, most specific folder first (probers/protocol before probers).
const std::vector<Module>& modules() {
  static const std::vector<Module> kModules = {
      {"base", "base", {"base/include"}, {}, {"posix"}},
      {"zones", "zones", {"zones/include"}, {"base"}, {"ldns", "toml", "sockets"}},
      {"policy", "policy", {"policy/include"}, {"zones", "base"}, {"maxminddb", "sockets"}},
      {"probe_protocol",
       "probers/protocol",
       {"probers/protocol/include"},
       {"zones", "base"},
       {"nlohmann", "simdjson", "openssl"}},
      {"probers",
       "probers",
       {"probers/include"},
       {"probe_protocol", "zones", "base"},
       {"curl", "toml", "sockets", "posix", "cli", "httplib", "prometheus"}},
      {"wire", "dnsd/wire", {"dnsd/wire/include"}, {}, {}},
      {"serve", "dnsd/serve", {"dnsd/serve/include"}, {"wire", "policy", "zones", "base"}, {}},
      {"health",
       "dnsd/health",
       {"dnsd/health/include"},
       {"probe_protocol", "policy", "zones", "base"},
       {"nlohmann"}},
      {"querylog",
       "dnsd/querylog",
       {"dnsd/querylog/include"},
       {"serve", "wire", "policy", "zones", "base"},
       {"fstrm", "protobuf-c", "sockets", "posix"}},
      {"net",
       "dnsd/net",
       {"dnsd/net/include"},
       {"querylog", "serve", "wire", "policy", "zones", "base"},
       {"sockets", "posix"}},
      {"control",
       "dnsd/control",
       {"dnsd/control/include"},
       {"net", "querylog", "serve", "wire", "health", "probe_protocol", "policy", "zones", "base"},
       {"httplib", "nlohmann", "toml", "openssl", "posix", "cli", "prometheus"}},
  };
  return kModules;
}

// Files that belong to a module but stand apart from it, with what they may include besides.
// The embedded prober is health's one file that runs checks: its own CMake target, the only one
// in dnsd that links the probe engine (and libcurl).
const std::map<std::string, std::set<std::string>>& fileExceptions() {
  static const std::map<std::string, std::set<std::string>> kExceptions = {
      {"dnsd/health/include/nines/dnsd/health/embedded_prober.h", {"probers"}},
      {"dnsd/health/src/embedded_prober.cc", {"probers"}},
  };
  return kExceptions;
}

// Headers the build generates (in the build tree, so not found beside their includer), by the
// folder of the module that generates them: the status page's files as C++ strings.
const std::map<std::string, std::string>& generatedHeaders() {
  static const std::map<std::string, std::string> kGenerated = {
      {"status_page_assets.h", "dnsd/control"},
  };
  return kGenerated;
}

// Third-party (and system) headers by the library they belong to. A header matching none is the
// standard library's, which everyone may use.
const std::map<std::string, std::regex>& libraries() {
  static const std::map<std::string, std::regex> kLibraries = {
      {"curl", std::regex("^curl/")},
      {"httplib", std::regex("^httplib\\.h$")},
      {"prometheus", std::regex("^prometheus/")},
      {"nlohmann", std::regex("^nlohmann/")},
      {"simdjson", std::regex("^simdjson")},
      {"openssl", std::regex("^openssl/")},
      {"toml", std::regex("^toml\\+\\+/")},
      {"ldns", std::regex("^ldns/")},
      {"maxminddb", std::regex("^maxminddb")},
      {"cli", std::regex("^CLI/")},
      {"fstrm", std::regex("^fstrm(\\.h$|/)")},
      {"protobuf-c", std::regex("^(protobuf-c/|dnstap\\.pb-c\\.h$)")},
      {"sockets", std::regex("^(sys/socket|sys/epoll|netinet/.*|arpa/inet)\\.h$")},
      {"posix", std::regex("^(unistd|signal|pthread|fcntl|pwd|grp|sys/"
                           "(resource|time|signalfd|types|stat|wait))\\.h$")},
  };
  return kLibraries;
}

struct Violation {
  std::string where;  // file:line
  std::string what;
};

class LayoutChecker {
 public:
  explicit LayoutChecker(fs::path root) : root_(std::move(root)) {}

  std::vector<Violation> check() {
    std::vector<Violation> out;
    for (const Module& module : modules()) {
      const fs::path folder = root_ / module.folder;
      if (!fs::exists(folder)) continue;
      for (const auto& entry : fs::recursive_directory_iterator(folder)) {
        const std::string ext = entry.path().extension().string();
        if (ext != ".h" && ext != ".cc") continue;
        if (moduleOfFile(entry.path())->name != module.name) continue;  // a nested module's
        checkFile(module, entry.path(), out);
      }
    }
    return out;
  }

 private:
  std::string relative(const fs::path& path) const {
    return fs::relative(path, root_).generic_string();
  }

  // The most specific module whose folder holds `path`.
  const Module* moduleOfFile(const fs::path& path) const {
    const std::string rel = relative(path);
    const Module* best = nullptr;
    for (const Module& module : modules()) {
      if (rel.rfind(module.folder + "/", 0) == 0 &&
          (best == nullptr || module.folder.size() > best->folder.size())) {
        best = &module;
      }
    }
    return best;
  }

  // The module whose public headers hold `header`, or the one holding it next to `from`.
  const Module* moduleOfHeader(const std::string& header, const fs::path& from) const {
    if (fs::exists(from.parent_path() / header)) return moduleOfFile(from.parent_path() / header);
    if (auto it = generatedHeaders().find(header); it != generatedHeaders().end()) {
      for (const Module& module : modules()) {
        if (module.folder == it->second) return &module;
      }
    }
    for (const Module& module : modules()) {
      for (const std::string& dir : module.include) {
        if (fs::exists(root_ / dir / header)) return &module;
      }
    }
    return nullptr;
  }

  void checkFile(const Module& module, const fs::path& path, std::vector<Violation>& out) const {
    static const std::regex kInclude(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
    std::set<std::string> uses = module.uses;
    uses.insert(module.name);
    const std::string rel = relative(path);
    if (auto it = fileExceptions().find(rel); it != fileExceptions().end()) {
      uses.insert(it->second.begin(), it->second.end());
    }
    std::ifstream in(path);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      std::smatch match;
      if (!std::regex_search(line, match, kInclude)) continue;
      const std::string header = match[2];
      const std::string where = rel + ":" + std::to_string(number);
      if (match[1] == "\"") {
        const Module* owner = moduleOfHeader(header, path);
        if (owner == nullptr) {
          out.push_back({where, module.name + " includes \"" + header + "\", which no module has"});
        } else if (!uses.count(owner->name)) {
          out.push_back({where, module.name + " includes \"" + header + "\" of " + owner->name +
                                    ", which it must not know"});
        }
        continue;
      }
      for (const auto& [library, pattern] : libraries()) {
        if (std::regex_search(header, pattern) && !module.libraries.count(library)) {
          out.push_back({where, module.name + " includes <" + header + "> (" + library +
                                    "), which belongs elsewhere"});
        }
      }
    }
  }

  fs::path root_;
};

std::string describe(const std::vector<Violation>& violations) {
  std::string text;
  for (const Violation& v : violations) text += v.where + ": " + v.what + "\n";
  return text;
}

TEST(Layout, EveryIncludeGoesTheWayTheArrowsGo) {
  const std::vector<Violation> violations = LayoutChecker(NINES_SOURCE_DIR).check();
  EXPECT_TRUE(violations.empty()) << describe(violations);
}

// The checker sees what it is for: a tree with a planted include of each forbidden kind.
TEST(Layout, TheCheckerFindsWhatItForbids) {
  nines::testing::TempDir dir;
  dir.write("dnsd/wire/include/nines/dnsd/wire/message.h", "#pragma once\n");
  dir.write("dnsd/serve/include/nines/dnsd/serve/lookup.h",
            "#include \"nines/dnsd/wire/message.h\"\n");
  dir.write("dnsd/health/include/nines/dnsd/health/vote_table.h", "#pragma once\n");
  dir.write("dnsd/serve/src/lookup.cc",
            "#include \"nines/dnsd/serve/lookup.h\"\n"
            "#include \"nines/dnsd/health/vote_table.h\"\n"
            "#include <curl/curl.h>\n"
            "#include <vector>\n");
  dir.write("dnsd/wire/src/writer.cc", "#include \"nines/dnsd/serve/lookup.h\"\n");
  const std::vector<Violation> violations = LayoutChecker(dir.path()).check();
  ASSERT_EQ(violations.size(), 3u) << describe(violations);
  std::set<std::string> where;
  for (const Violation& v : violations) where.insert(v.where);
  EXPECT_EQ(where,
            (std::set<std::string>{"dnsd/serve/src/lookup.cc:2", "dnsd/serve/src/lookup.cc:3",
                                   "dnsd/wire/src/writer.cc:1"}));
}

}  // namespace
}  // namespace nines::layout
