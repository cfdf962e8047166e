#pragma once

#include <nlohmann/json.hpp>

#include "common/result/result.h"

namespace agentguard::engine {

// Evaluates a metav1.LabelSelector (matchLabels and matchExpressions with In, NotIn, Exists,
// DoesNotExist) against a labels map, as the API server does. An empty selector matches everything.
// A malformed selector is an InvalidArgument (callers treat it as "does not select").
Result<bool> selectorMatches(const nlohmann::json& selector, const nlohmann::json* labels);

}  // namespace agentguard::engine
