#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/status/sandbox_status.h"

namespace agentguard::op {

// What the reconciler reads from the metadata and status of the objects it handles. Missing or mistyped fields
// read as empty: the objects come from the API server, but a person may have written them.
bool isDeleting(const nlohmann::json& object);  // metadata.deletionTimestamp is set
std::vector<std::string> finalizersOf(const nlohmann::json& object);
bool hasOurFinalizer(const nlohmann::json& object);
std::vector<std::string> finalizersWithoutOurs(const nlohmann::json& object);
std::string resourceVersionOf(const nlohmann::json& object);
std::string uidOf(const nlohmann::json& object);
std::string podPhase(const nlohmann::json& pod);
PodObservation observePod(const nlohmann::json& pod);

}  // namespace agentguard::op
