#include "engine/skip_annotations.h"

#include <algorithm>

#include "common/manifest/field_path.h"
#include "common/text/comma_list.h"

namespace agentguard::engine {
namespace {

constexpr std::string_view kBlanks = " \t\r\n";

const nlohmann::json* annotationsOf(const nlohmann::json& object) {
  if (!object.is_object()) return nullptr;
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return nullptr;
  const auto annotations = metadata->find("annotations");
  return annotations == metadata->end() || !annotations->is_object() ? nullptr : &*annotations;
}

std::string trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(kBlanks) - first + 1));
}

Finding refusalOf(std::string_view annotation, std::string message) {
  Finding finding;
  finding.rule = kSkipAnnotationRule;
  finding.category = "policy";
  finding.severity = Severity::kHigh;
  finding.action = Action::kDeny;
  finding.path = manifest::FieldPath("metadata").key("annotations").key(annotation).str();
  finding.message = std::move(message) + "; the object skips no rule";
  finding.fix = "set " + std::string(kSkipAnnotation) + " to the rule ids to skip, comma-separated (agentguard "
                "rules lists them), and " + std::string(kSkipReasonAnnotation) +
                " to why this object may break them; or remove both annotations";
  return finding;
}

}  // namespace

std::pair<const nlohmann::json*, const nlohmann::json*> skipAnnotationValues(const nlohmann::json& object) {
  const nlohmann::json* annotations = annotationsOf(object);
  if (annotations == nullptr) return {nullptr, nullptr};
  const auto skip = annotations->find(kSkipAnnotation);
  const auto reason = annotations->find(kSkipReasonAnnotation);
  return {skip == annotations->end() ? nullptr : &*skip, reason == annotations->end() ? nullptr : &*reason};
}

std::optional<SkipAnnotations> readSkipAnnotations(const nlohmann::json& object, const RuleCatalog& catalog,
                                                   std::optional<Finding>& refusal) {
  refusal.reset();
  const auto [skip, reason] = skipAnnotationValues(object);
  if (skip == nullptr) return std::nullopt;
  const std::string both = std::string(kSkipAnnotation) + " needs " + std::string(kSkipReasonAnnotation);
  if (!skip->is_string()) {
    refusal = refusalOf(kSkipAnnotation, std::string(kSkipAnnotation) + " must be a string of rule ids");
    return std::nullopt;
  }
  SkipAnnotations skips;
  skips.rules = text::splitCommaList(skip->get_ref<const std::string&>(), kBlanks);
  if (reason == nullptr || !reason->is_string() || trimmed(reason->get_ref<const std::string&>()).empty()) {
    refusal = refusalOf(kSkipReasonAnnotation,
                        both + ": a skip must say why" +
                            (reason == nullptr ? std::string(", and the object has no ") + std::string(kSkipReasonAnnotation)
                                               : std::string(", and it is empty or only blanks")));
    return std::nullopt;
  }
  skips.reason = trimmed(reason->get_ref<const std::string&>());
  if (skips.rules.empty()) {
    refusal = refusalOf(kSkipAnnotation, std::string(kSkipAnnotation) + " names no rule");
    return std::nullopt;
  }
  for (const auto& rule : skips.rules) {
    if (rule.find('*') != std::string::npos) {
      refusal = refusalOf(kSkipAnnotation,
                          std::string(kSkipAnnotation) + " \"" + rule + "\": rules are skipped one by one, by id; " +
                              "a pattern is not accepted");
      return std::nullopt;
    }
    if (catalog.find(rule) == nullptr) {
      refusal = refusalOf(kSkipAnnotation,
                          std::string(kSkipAnnotation) + " names \"" + rule + "\", which is not an agentguard rule");
      return std::nullopt;
    }
  }
  return skips;
}

}  // namespace agentguard::engine
