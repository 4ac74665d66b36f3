#include "nines/dnsd/control/configuration.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace nines::dnsd {

namespace {

namespace fs = std::filesystem;

struct NamedFile {
  std::string name;  // canonical: independent of the directory the files are in
  std::string path;
};

std::vector<NamedFile> configFiles(const Config& config) {
  std::vector<NamedFile> files;
  files.push_back({"dnsd.toml", config.server.file});
  // The zone files as zones::loadZones() finds them: a directory's zone files, or one file.
  std::error_code ec;
  const fs::path zones = config.server.zones;
  if (fs::is_directory(zones, ec)) {
    for (const std::string& path : zones::zoneFilesIn(config.server.zones, ec)) {
      files.push_back({"zones/" + fs::path(path).filename().string(), path});
    }
  } else if (!config.server.zones.empty()) {
    files.push_back({"zones/" + zones.filename().string(), zones.string()});
  }
  for (const std::string& database : config.geo.databaseFiles()) {
    files.push_back({"geo/" + fs::path(database).filename().string(), database});
  }
  // Stable: two databases of one name in different directories keep dnsd.toml's order.
  std::stable_sort(files.begin(), files.end(),
                   [](const NamedFile& a, const NamedFile& b) { return a.name < b.name; });
  return files;
}

bool readFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream content;
  content << in.rdbuf();
  out = std::move(content).str();
  return !in.bad();
}

std::string hex(const unsigned char* bytes, unsigned size) {
  static const char* const kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

}  // namespace

std::string configDigest(const Config& config, const std::vector<zones::Zone>& loaded,
                         std::string* error) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    if (error) *error = "SHA-256 unavailable";
    return "";
  }
  std::unordered_map<std::string_view, const std::string*> texts;
  for (const auto& zone : loaded) {
    if (zone.text) texts.emplace(zone.file, zone.text.get());
  }
  // Nets files (zones/README.md) count as part of their zone: named by their path from the zone
  // file's directory, so two nameservers with the same files agree wherever they keep them.
  std::vector<NamedFile> files = configFiles(config);
  for (const auto& zone : loaded) {
    for (const auto& service : zone.services) {
      const std::string& nets = service.geo.nets_file;
      if (nets.empty() || std::any_of(files.begin(), files.end(),
                                      [&](const NamedFile& f) { return f.path == nets; })) {
        continue;
      }
      const fs::path relative =
          fs::path(nets).lexically_relative(fs::path(zone.file).parent_path());
      files.push_back({"zones/" + relative.string(), nets});
    }
  }
  std::sort(files.begin(), files.end(),
            [](const NamedFile& a, const NamedFile& b) { return a.name < b.name; });
  for (const auto& file : files) {
    // "NAME\0LENGTH\n" then the bytes: no two different sets of files frame to the same stream.
    auto frame = [&](std::size_t size) {
      const std::string text = file.name + '\0' + std::to_string(size) + '\n';
      EVP_DigestUpdate(context.get(), text.data(), text.size());
    };
    if (auto it = texts.find(file.path); it != texts.end()) {
      frame(it->second->size());
      EVP_DigestUpdate(context.get(), it->second->data(), it->second->size());
      continue;
    }
    // Streamed: a GeoIP database is tens of megabytes, not to be held in memory twice over.
    std::ifstream in(file.path, std::ios::binary | std::ios::ate);
    const std::streamoff size = in ? static_cast<std::streamoff>(in.tellg()) : -1;
    in.seekg(0);
    std::vector<char> chunk(1 << 20);
    std::streamoff total = 0;
    if (size >= 0) {
      frame(static_cast<std::size_t>(size));
      while (in && total < size) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        EVP_DigestUpdate(context.get(), chunk.data(), static_cast<std::size_t>(in.gcount()));
        total += in.gcount();
      }
    }
    if (size < 0 || total != size || in.bad()) {
      if (error) *error = file.path + ": cannot be read for the config digest";
      return "";
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  EVP_DigestFinal_ex(context.get(), digest, &size);
  return hex(digest, size);
}

Configuration completeConfiguration(Config config) {
  Configuration out;
  out.config = std::move(config);
  const Config& c = out.config;
  std::string geo_error;
  std::size_t failed_database = 0;
  // Stamped before they are opened: a file replaced while it is being opened is seen changed.
  if (c.geo.watch) out.geo_stamps = stampsOf(c.geo.databaseFiles());
  out.locator = policy::ClientLocator::create(c.geo.nets, c.geo.databaseOptions(), &geo_error,
                                              &failed_database);
  if (!out.locator) {
    const base::SourceLocation where = c.geo.databaseAt(failed_database);
    const std::vector<std::string> files = c.geo.databaseFiles();
    out.errors.push_back({where.file.empty() ? base::SourceLocation{c.server.file} : where,
                          "[geo] database " +
                              (failed_database < files.size() ? files[failed_database] : "") +
                              ": " + geo_error});
  }
  // A zones path that is not there is a configuration error, not a zone error: served as a zone
  // error, it would take every zone out (none of their files failed, they are just not found).
  std::error_code exists_error;
  if (!fs::exists(c.server.zones, exists_error)) {
    out.errors.push_back(
        {c.server.zones_at.file.empty() ? base::SourceLocation{c.server.file} : c.server.zones_at,
         "zones \"" + c.server.zones + "\": no such file or directory"});
    return out;
  }
  out.zones = zones::loadZones(c.server.zones);
  std::string digest_error;
  out.digest = configDigest(c, out.zones.zones, &digest_error);
  if (out.digest.empty()) out.warnings.push_back(digest_error);
  if (!c.server.digest_file.empty()) {
    std::string text;
    if (readFile(c.server.digest_file, text)) {
      std::istringstream words(text);
      words >> out.expected_digest;  // the first word: `sha256sum`-style lines work as they are
    } else {
      out.warnings.push_back(c.server.digest_file +
                             ": digest_file cannot be read: no expected digest");
    }
  }
  return out;
}

Configuration loadConfiguration(const std::string& path) {
  ConfigResult loaded = loadServerConfig(path);
  if (!loaded.errors.empty()) {
    Configuration out;
    out.config = std::move(loaded.config);
    out.errors = std::move(loaded.errors);
    return out;
  }
  return completeConfiguration(std::move(loaded.config));
}

std::vector<std::string> restartRequired(const Config& running, const Config& next) {
  std::vector<std::string> out;
  auto addresses = [](const std::vector<SocketAddress>& list) {
    std::vector<std::string> text;
    for (const auto& address : list) text.push_back(address.toString());
    return text;
  };
  const ServerConfig &a = running.server, &b = next.server;
  if (addresses(a.listen) != addresses(b.listen)) out.push_back("[server] listen");
  if (a.threads != b.threads) out.push_back("[server] threads");
  if (a.udp_queues != b.udp_queues) out.push_back("[server] udp_queues");
  // Each worker's cache is allocated at start, off the query path.
  if (a.decision_cache_entries != b.decision_cache_entries) {
    out.push_back("[server] decision_cache_entries");
  }
  // Baked into the UDP workers and the TCP thread's responses at start: applying it live would put
  // a load of shared state on every query. (The other tcp_* limits are applied live: the TCP
  // thread takes them at its idle sweep.)
  if (a.udp_payload != b.udp_payload) out.push_back("[server] udp_payload");
  // The state file is read once, at start.
  if (a.state_dir != b.state_dir) out.push_back("[server] state_dir");
  // Privileges are dropped once, after binding at start.
  const std::string user_before = a.run_as ? a.run_as->user : "";
  const std::string user_after = b.run_as ? b.run_as->user : "";
  if (user_before != user_after) out.push_back("[server] user");
  // The format may have come from --log-format, which a reload does not see. (The level applies.)
  if (running.log.format != next.log.format) out.push_back("[log] format");
  // The dnstap writer and the workers' queues are set up at start.
  const auto& q = running.query_log;
  const auto& r = next.query_log;
  if (q.enabled != r.enabled || q.path != r.path || q.socket != r.socket || q.sample != r.sample ||
      q.queries != r.queries || q.query_message != r.query_message || q.identity != r.identity ||
      q.version != r.version || q.queue_entries != r.queue_entries ||
      q.ring_bytes != r.ring_bytes) {
    out.push_back("[query_log]");
  }
  if (addresses(running.http.listen) != addresses(next.http.listen)) {
    out.push_back("[http] listen");
  }
  if (running.http.test_hooks != next.http.test_hooks) out.push_back("[http] test_hooks");
  // The embedded prober runs only when no remote prober is configured, and is started with the
  // server.
  if (running.health.probers.empty() != next.health.probers.empty()) {
    out.push_back("[[health.probers]] (between the embedded prober and remote probers)");
  }
  // The embedded prober refreshes its votes at a pace set from report_ttl at start.
  if (running.health.probers.empty() && running.health.report_ttl != next.health.report_ttl) {
    out.push_back("[health] report_ttl (with the embedded prober)");
  }
  return out;
}

Config applicableConfig(const Config& running, Config next) {
  next.server.listen = running.server.listen;
  next.server.threads = running.server.threads;
  next.server.udp_queues = running.server.udp_queues;
  next.server.decision_cache_entries = running.server.decision_cache_entries;
  next.server.udp_payload = running.server.udp_payload;
  next.server.state_dir = running.server.state_dir;
  next.server.run_as = running.server.run_as;
  next.log.format = running.log.format;
  next.query_log = running.query_log;
  next.http.listen = running.http.listen;
  next.http.test_hooks = running.http.test_hooks;
  if (running.health.probers.empty() != next.health.probers.empty()) {
    next.health.probers = running.health.probers;
  }
  if (running.health.probers.empty()) next.health.report_ttl = running.health.report_ttl;
  return next;
}

}  // namespace nines::dnsd
