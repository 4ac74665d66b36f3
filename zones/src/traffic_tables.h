// The traffic-management tables of a zone file (DESIGN.md "Files" and "Policies"): [regions],
// [checks] and [services], read into the model and validated. Private to the loader.
#pragma once

#include <toml++/toml.h>

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/zones/name.h"
#include "nines/zones/zone.h"
#include "toml_fields.h"

namespace nines::zones {

struct TrafficTables {
  // The entries that validated, in file order. An entry with an error is left out, but its name
  // still counts as declared, so a typo inside [regions.eu] is not also reported at every pool
  // that names "eu".
  std::vector<Region> regions;
  std::vector<Check> checks;
  std::vector<Service> services;
  // Every service whose name is valid, with or without other errors: checkServiceOwners() looks
  // at all of them, so that a load reports every problem at once.
  struct Owner {
    std::string name;
    Name owner;
    base::SourceLocation where;
  };
  std::vector<Owner> owners;
};

// Reads [regions], [checks] and [services] of a zone file's `root`; every problem goes to
// `fields`. `origin` is null when the zone's origin is invalid: service names are then checked
// for syntax only.
TrafficTables readTrafficTables(const toml::table& root, const Name* origin, TomlFields& fields);

// What [services] needs to know of the other two tables: the names they declare.
struct ServiceContext {
  const Name* origin = nullptr;
  std::set<std::string> regions;
  std::set<std::string> checks;
};

// [services] (service_table.cc): fills `out.services` and `out.owners`.
void readServices(const toml::node* node, const ServiceContext& context, TomlFields& fields,
                  TrafficTables& out);

// The rules between services and the rest of the zone, once [records] is read: a service owns
// the A and AAAA answers of its name, so [records] must not define that name at all, and the name
// must not be at or below a delegation, where the child zone answers. `record_owners` are the
// owner keys of [records] (their records parsed or not) and the line and column of each, in the
// zone file; `records` the parsed records, for the zone cuts.
using OwnerPositions = std::unordered_map<Name, std::pair<std::uint32_t, std::uint32_t>, NameHash>;
void checkServiceOwners(const std::vector<TrafficTables::Owner>& services, const Name& origin,
                        const std::vector<Record>& records, const OwnerPositions& record_owners,
                        base::Diagnostics& errors);

}  // namespace nines::zones
