#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentguard::engine {

// The digest that names a policy set in every report and in the webhook's logs and metrics:
// "sha256:" and the hex SHA-256 of the set's canonical form. The canonical form is each policy document as
// compact JSON with keys sorted, the documents sorted and joined by '\n'. File names, comments, key order,
// YAML style and how documents are split into files do not change it; any change of meaning does.
std::string policyDigest(const std::vector<nlohmann::json>& documents);

}  // namespace agentguard::engine
