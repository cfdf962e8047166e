#pragma once

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "engine/network/pod_labels.h"

namespace agentguard::engine {

// Whether a selector matches the pods of a workload: none, some (a label it tests varies from pod to
// pod or is not known in advance) or all of them.
enum class SelectorMatch { kNone, kSome, kAll };

// Evaluates a metav1.LabelSelector (matchLabels and matchExpressions with In, NotIn, Exists,
// DoesNotExist) against pod labels, as the API server does. An empty or null selector matches every pod.
// A malformed selector is an InvalidArgument naming what is wrong.
Result<SelectorMatch> selectorMatch(const nlohmann::json& selector, const PodLabels& labels);

}  // namespace agentguard::engine
