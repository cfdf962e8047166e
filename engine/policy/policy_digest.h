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

// The digest of layered policy sources (policy_loader.h): the one layer's own digest, or for several
// layers "sha256:" and the hex SHA-256 of the layers' digests joined by '\n' in layer order (the order
// changes which layer overrides which, so it changes the digest).
std::string layeredPolicyDigest(const std::vector<std::string>& layerDigests);

}  // namespace agentguard::engine
