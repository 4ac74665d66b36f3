// `ninesctl consistency`: what several nameservers' /v1/status documents say that should be the
// same on each, and where they differ. Pure: documents in, differences out (the fetching is in
// consistency.cc), so the comparison is tested on documents written by hand.
//
// Nameservers of one deployment load the same files and hear the same probers, so they should
// show the same config digest, the same zone serials, the same health view digest, the same verdict
// for every region of every service, the same API drains (drains live in each dnsd's memory: a
// drain sent to one nameserver only is the classic way for them to part), and the same probers
// heard. A difference in the health digest alone (every region alike) is an endpoint's state: those
// are listed too.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nines::ctl {

// One nameserver's side of the comparison, read from its /v1/status document.
struct NameserverView {
  std::string url;
  std::string config_digest;
  // origin -> serial: the zone files compared even where dnsd.toml differs by design (each
  // nameserver its own listen address), which the config digest covers too
  std::map<std::string, std::string> zone_serials;
  std::string health_digest;
  // "www.example.test. us-east" -> "up" / "down" / "drained"
  std::map<std::string, std::string> regions;
  // "www.example.test. us-east 192.0.2.10" -> "up" / "down" / "unknown" / "drained"
  std::map<std::string, std::string> endpoints;
  std::vector<std::string> drains;         // sorted
  std::vector<std::string> probers_heard;  // sorted
};

// The view of the document `status` fetched from `url`. A field the document lacks (an older
// dnsd) reads as "" or empty, which then shows as a difference rather than passing unseen.
NameserverView viewOfStatus(const std::string& url, const nlohmann::json& status);

// One aspect on which the nameservers differ: its name ("config digest", "region verdicts", ...)
// and, per differing item, each nameserver's value in the order of the views ("-": it has none).
struct Difference {
  std::string aspect;
  struct Item {
    std::string key;                  // the region or endpoint; "" for a single value
    std::vector<std::string> values;  // one per nameserver
  };
  std::vector<Item> items;
  std::size_t compared = 0;  // items compared (every key any nameserver has); 0: a single value
};

struct Comparison {
  std::vector<Difference> differences;  // empty: every nameserver agrees
  bool agree() const { return differences.empty(); }
};

Comparison compareViews(const std::vector<NameserverView>& views);

// The report for a person: on agreement, one paragraph of what they agree on; otherwise each
// differing aspect with each nameserver's value, the nameservers named by URL.
std::string describeComparison(const std::vector<NameserverView>& views,
                               const Comparison& comparison);

}  // namespace nines::ctl
