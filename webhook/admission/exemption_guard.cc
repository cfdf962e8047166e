#include "webhook/admission/exemption_guard.h"

#include <algorithm>

#include "common/manifest/field_path.h"
#include "engine/skip_annotations.h"

namespace agentguard::webhook {
namespace {

// The label's value on `object`, or null when the object does not carry it.
const nlohmann::json* exemptLabelOf(const nlohmann::json& object) {
  if (!object.is_object()) return nullptr;
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return nullptr;
  const auto labels = metadata->find("labels");
  if (labels == metadata->end() || !labels->is_object()) return nullptr;
  const auto value = labels->find(kExemptLabel);
  return value == labels->end() ? nullptr : &*value;
}

std::string quoted(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "user \"alice\"" or, when the API server sent no name, "an unnamed user".
std::string whoAsked(const AdmissionRequest& request) {
  return request.username.empty() ? std::string("an unnamed user") : "user \"" + request.username + "\"";
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

}  // namespace

bool ExemptionAdmins::includes(const std::string& username, const std::vector<std::string>& userGroups) const {
  if (!username.empty() && std::find(users.begin(), users.end(), username) != users.end()) return true;
  return std::any_of(userGroups.begin(), userGroups.end(), [this](const std::string& group) {
    return std::find(groups.begin(), groups.end(), group) != groups.end();
  });
}

std::string ExemptionAdmins::describe() const {
  std::string text;
  if (!groups.empty()) text += (groups.size() == 1 ? "group " : "groups ") + joined(groups);
  if (!users.empty())
    text += (text.empty() ? "" : " or ") + std::string(users.size() == 1 ? "user " : "users ") + joined(users);
  return text.empty() ? "nobody (no --exemption-admin-groups or --exemption-admin-users are set)" : text;
}

bool guardsExemptLabel(const AdmissionRequest& request) {
  return request.kind == "Namespace" && request.group.empty() &&
         (request.operation == "CREATE" || request.operation == "UPDATE");
}

std::optional<engine::Finding> exemptLabelRefusal(const AdmissionRequest& request, const nlohmann::json& oldObject,
                                                  const ExemptionAdmins& admins) {
  if (!guardsExemptLabel(request)) return std::nullopt;
  const nlohmann::json* before = request.operation == "UPDATE" ? exemptLabelOf(oldObject) : nullptr;
  const nlohmann::json* after = exemptLabelOf(request.object);
  if (before == nullptr && after == nullptr) return std::nullopt;
  if (before != nullptr && after != nullptr && *before == *after) return std::nullopt;
  if (admins.includes(request.username, request.groups)) return std::nullopt;

  std::string change;
  if (before == nullptr) {
    change = "added the label " + std::string(kExemptLabel) + "=" + quoted(*after);
  } else if (after == nullptr) {
    change = "removed the label " + std::string(kExemptLabel) + "=" + quoted(*before);
  } else {
    change = "changed the label " + std::string(kExemptLabel) + " from " + quoted(*before) + " to " + quoted(*after);
  }
  engine::Finding finding;
  finding.rule = kExemptLabelRule;
  finding.category = "privilege";
  finding.severity = engine::Severity::kCritical;
  finding.action = engine::Action::kDeny;
  finding.apiVersion = "v1";
  finding.kind = "Namespace";
  finding.name = request.name;
  finding.path = manifest::FieldPath("metadata").key("labels").key(kExemptLabel).str();
  finding.message = whoAsked(request) + " " + change + "; the label takes the namespace out of every agentguard " +
                    "check, so only " + admins.describe() + " may add, change or remove it";
  finding.fix = "leave the label as it was, or ask " + admins.describe() + " to make the change";
  return finding;
}

bool setsSkipAnnotations(const AdmissionRequest& request, const nlohmann::json& oldObject) {
  if (request.operation != "CREATE" && request.operation != "UPDATE") return false;
  const auto [skip, reason] = engine::skipAnnotationValues(request.object);
  if (skip == nullptr && reason == nullptr) return false;
  if (request.operation == "CREATE") return true;
  const auto [oldSkip, oldReason] = engine::skipAnnotationValues(oldObject);
  const auto changed = [](const nlohmann::json* before, const nlohmann::json* after) {
    if (after == nullptr) return false;  // removed or never there
    return before == nullptr || *before != *after;
  };
  return changed(oldSkip, skip) || changed(oldReason, reason);
}

std::optional<engine::Finding> skipAnnotationRefusal(const AdmissionRequest& request, const nlohmann::json& oldObject,
                                                     const ExemptionAdmins& admins) {
  if (!setsSkipAnnotations(request, oldObject) || admins.includes(request.username, request.groups)) {
    return std::nullopt;
  }
  engine::Finding finding;
  finding.rule = kSkipAnnotationGuardRule;
  finding.category = "policy";
  finding.severity = engine::Severity::kCritical;
  finding.action = engine::Action::kDeny;
  finding.apiVersion = request.group.empty() ? request.version : request.group + "/" + request.version;
  finding.kind = request.kind;
  finding.namespace_ = request.namespace_;
  finding.name = request.name;
  finding.path = manifest::FieldPath("metadata").key("annotations").key(engine::kSkipAnnotation).str();
  finding.message = whoAsked(request) + " set or changed the annotations " + std::string(engine::kSkipAnnotation) +
                    " / " + std::string(engine::kSkipReasonAnnotation) + "; they switch agentguard rules off for " +
                    "the object, so only " + admins.describe() + " may set or change them";
  finding.fix = "remove the annotations " + std::string(engine::kSkipAnnotation) + " and " +
                std::string(engine::kSkipReasonAnnotation) + " (or leave them as they were), or ask " +
                admins.describe() + " to make the change";
  return finding;
}

}  // namespace agentguard::webhook
