// A serving state holding the answer zones (answer_cases.h), as dnsd serves them, for the tests
// that run queries through the pipeline in-process.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "answer_cases.h"
#include "nines/dnsd/serve/serving_state.h"
#include "nines/zones/loader.h"
#include "process.h"

namespace nines::dnsd {

// The answer zones written under `dir`/zones and loaded from there; a zone that fails to load, or
// a zone missing, is a test failure.
inline std::shared_ptr<const ServingState> answerZonesState(const nines::testing::TempDir& dir) {
  const auto zones = nines::testing::answerZones();
  for (const auto& [file, content] : zones) dir.write("zones/" + file, content);
  auto loaded = zones::loadZones(dir.path() + "/zones");
  for (const auto& error : loaded.errors) ADD_FAILURE() << error.toString();
  EXPECT_EQ(loaded.zones.size(), zones.size());
  auto state = std::make_shared<ServingState>();
  state->generation = 1;
  state->zones = ZoneTable::build(std::move(loaded.zones));
  std::string error;
  state->locator = policy::ClientLocator::create({}, "", &error);
  return state;
}

}  // namespace nines::dnsd
