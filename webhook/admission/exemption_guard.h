#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/finding.h"
#include "webhook/admission/admission_request.h"

namespace agentguard::webhook {

// The chart's ValidatingWebhookConfiguration leaves namespaces with this label out of every check, so
// whoever may set it may switch agentguard off for a namespace.
constexpr std::string_view kExemptLabel = "agentguard.io/exempt";
// The rule id of a refused change to the label, in messages and in agentguard_admission_denials_total.
constexpr std::string_view kExemptLabelRule = "webhook.exempt-label";

// Who may add, change or remove kExemptLabel: members of any of `groups`, and the `users` named.
struct ExemptionAdmins {
  std::vector<std::string> groups = {"system:masters"};
  std::vector<std::string> users;

  bool includes(const std::string& username, const std::vector<std::string>& userGroups) const;
  // "group system:masters or user system:serviceaccount:agentguard:agentguard"
  std::string describe() const;
};

// Whether the guard reads `request`: CREATE or UPDATE of a core Namespace, subresources included (an
// update through namespaces/status or namespaces/finalize carries the labels too).
bool guardsExemptLabel(const AdmissionRequest& request);

// The refusal of a request that adds, changes or removes kExemptLabel (old and new object compared)
// when its user is not one of `admins`; nullopt when the label stays as it was or the user may change
// it. `oldObject` is the namespace before an UPDATE, null on CREATE.
std::optional<engine::Finding> exemptLabelRefusal(const AdmissionRequest& request, const nlohmann::json& oldObject,
                                                  const ExemptionAdmins& admins);

// The rule id of a refused change to an object's agentguard.io/skip annotations.
constexpr std::string_view kSkipAnnotationGuardRule = "webhook.skip-annotation";

// Whether a CREATE or UPDATE sets or changes an object's agentguard.io/skip or agentguard.io/skip-reason
// annotation (engine/skip_annotations.h); removing them is not a change the guard reads, since it only
// makes the object checked again.
bool setsSkipAnnotations(const AdmissionRequest& request, const nlohmann::json& oldObject);

// The refusal of a request that sets or changes the skip annotations when its user is not one of
// `admins` (the same people who may change the agentguard.io/exempt label); nullopt otherwise.
std::optional<engine::Finding> skipAnnotationRefusal(const AdmissionRequest& request, const nlohmann::json& oldObject,
                                                     const ExemptionAdmins& admins);

}  // namespace agentguard::webhook
