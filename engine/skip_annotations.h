#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/finding.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {

// Per-object skip: an object's own metadata.annotations may name rules it skips, with a required reason:
//   agentguard.io/skip: privilege.host-namespaces, exposure.host-port
//   agentguard.io/skip-reason: the node agent is reviewed by the platform team
// A skipped rule's findings stay in the report, as audits marked skipped (Finding::skipReason). Only the
// object's own annotations count: a pod template's are not the workload's, and keys are matched exactly
// (Kubernetes annotation keys are case-sensitive). The webhook honours a skip only when the annotations
// were set or changed by an exemption admin (webhook/admission/exemption_guard.h).
constexpr std::string_view kSkipAnnotation = "agentguard.io/skip";
constexpr std::string_view kSkipReasonAnnotation = "agentguard.io/skip-reason";
// The rule id of the refusal of a malformed skip, in findings and metrics.
constexpr std::string_view kSkipAnnotationRule = "policy.skip-annotation";

struct SkipAnnotations {
  std::vector<std::string> rules;  // the rule ids skipped, trimmed
  std::string reason;              // the stated reason, trimmed
};

// The skip an object states, or nullopt when it carries no agentguard.io/skip annotation. A malformed
// skip (no reason, a reason of only blanks, no rule, "*", a rule agentguard does not know, a value that
// is not a string) is a deny finding in `refusal` instead (rule, path, message and fix; the caller names the
// object), naming both annotations and the fix; the object then skips nothing.
std::optional<SkipAnnotations> readSkipAnnotations(const nlohmann::json& object, const RuleCatalog& catalog,
                                                   std::optional<Finding>& refusal);

// The object's agentguard.io/skip and agentguard.io/skip-reason values as they are (null when absent), for
// telling whether an update changed them.
std::pair<const nlohmann::json*, const nlohmann::json*> skipAnnotationValues(const nlohmann::json& object);

}  // namespace agentguard::engine
