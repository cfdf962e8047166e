#include "webhook/admission/response_builder.h"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "common/manifest/json_string.h"

namespace agentguard::webhook {

std::string truncateUtf8(std::string_view text, size_t maxBytes) {
  if (text.size() <= maxBytes) return std::string(text);
  constexpr std::string_view kEllipsis = "...";
  if (maxBytes < kEllipsis.size()) return std::string(kEllipsis.substr(0, maxBytes));
  size_t cut = maxBytes - kEllipsis.size();
  // Step back over continuation bytes (10xxxxxx) so the cut falls before a character's first byte.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) --cut;
  return std::string(text.substr(0, cut)) + std::string(kEllipsis);
}

std::string singleLine(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20u || byte == 0x7Fu) c = ' ';
  }
  return line;
}

std::string denialLine(const engine::Finding& finding) {
  return singleLine("agentguard denied " + finding.objectName() + ": [" + finding.rule + "] " + finding.path + ": " +
                    finding.message + "; fix: " + finding.fix);
}

std::string_view enforcedNote(std::optional<engine::Action> relaxedFrom) {
  if (!relaxedFrom) return {};
  return *relaxedFrom == engine::Action::kDeny ? "denied once enforced: " : "warned once enforced: ";
}

std::string warningText(const engine::Finding& finding, std::optional<engine::Action> relaxedFrom) {
  return truncateUtf8(singleLine("[" + finding.rule + "] " + std::string(enforcedNote(relaxedFrom)) + finding.objectName() +
                                 ": " + finding.path + ": " + finding.message + "; fix: " + finding.fix),
                      kMaxWarningBytes);
}

AdmissionResponse responseForFindings(std::string uid, const engine::Findings& findings,
                                      const RelaxedActions& relaxed) {
  AdmissionResponse response;
  response.uid = std::move(uid);
  std::vector<std::string> denials;
  // By rule, in a stable order: the first finding and what it was lowered from, and how many there are.
  struct RuleAudit {
    const engine::Finding* first = nullptr;
    std::optional<engine::Action> relaxedFrom;
    size_t count = 0;
  };
  std::map<std::string, RuleAudit> audits;
  std::set<std::string> warned;
  for (size_t i = 0; i < findings.size(); ++i) {
    const engine::Finding& finding = findings[i];
    const std::optional<engine::Action> relaxedFrom = i < relaxed.size() ? relaxed[i] : std::nullopt;
    switch (finding.action) {
      case engine::Action::kDeny:
        denials.push_back(denialLine(finding));
        break;
      case engine::Action::kWarn:
        // The same text twice would be printed twice by kubectl.
        if (auto text = warningText(finding, relaxedFrom); warned.insert(text).second) {
          response.warnings.push_back(std::move(text));
        }
        break;
      case engine::Action::kAudit: {
        RuleAudit& audit = audits[finding.rule];
        if (audit.count++ == 0) {
          audit.first = &finding;
          audit.relaxedFrom = relaxedFrom;
        }
        break;
      }
    }
  }
  for (const auto& [rule, audit] : audits) {
    std::string value = std::string(enforcedNote(audit.relaxedFrom)) + audit.first->path + ": " + audit.first->message;
    if (audit.count > 1) value += " (and " + std::to_string(audit.count - 1) + " more)";
    response.auditAnnotations.emplace_back(rule, truncateUtf8(singleLine(value), kMaxAuditValueBytes));
  }
  if (!denials.empty()) {
    response.allowed = false;
    response.code = 403;
    response.reason = "Forbidden";
    const size_t shown = std::min(denials.size(), kMaxDenialLines);
    for (size_t i = 0; i < shown; ++i) {
      if (i > 0) response.message += '\n';
      response.message += denials[i];
    }
    if (denials.size() > shown) {
      response.message += "\n... and " + std::to_string(denials.size() - shown) +
                          " more violations; run `agentguard check` on the manifest to see them all";
    }
  }
  return response;
}

AdmissionResponse internalErrorResponse(std::string uid, std::string_view objectName) {
  AdmissionResponse response;
  response.uid = std::move(uid);
  response.allowed = false;
  response.code = 500;
  response.reason = "InternalError";
  response.message = "agentguard could not evaluate " + std::string(objectName) +
                     " and refuses it until it can (fail closed); retry, and report it if it persists";
  return response;
}

namespace {

// The review built as a DOM and dumped: any text, invalid UTF-8 from a manifest replaced rather than
// thrown on.
std::string serializeThroughDom(const AdmissionResponse& response) {
  nlohmann::json body = {{"uid", response.uid}, {"allowed", response.allowed}};
  if (!response.allowed) {
    body["status"] = {{"status", "Failure"},
                      {"code", response.code},
                      {"reason", response.reason},
                      {"message", response.message}};
  }
  if (!response.warnings.empty()) body["warnings"] = response.warnings;
  if (!response.auditAnnotations.empty()) {
    nlohmann::json annotations = nlohmann::json::object();
    for (const auto& [key, value] : response.auditAnnotations) annotations[key] = value;
    body["auditAnnotations"] = std::move(annotations);
  }
  const nlohmann::json review = {
      {"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", std::move(body)}};
  return review.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string serializeAdmissionReview(const AdmissionResponse& response) {
  // The usual answer is written directly, members in the order the DOM's sorted keys give; text that is
  // not ASCII (which may be invalid UTF-8) and audit annotations (whose keys need sorting and merging)
  // go through the DOM.
  if (!response.auditAnnotations.empty()) return serializeThroughDom(response);
  std::string out;
  out.reserve(128 + response.uid.size() + response.message.size());
  out += R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"allowed":)";
  out += response.allowed ? "true" : "false";
  if (!response.allowed) {
    out += R"(,"status":{"code":)";
    out += std::to_string(response.code);
    out += R"(,"message":)";
    if (!manifest::appendAsciiJsonString(out, response.message)) return serializeThroughDom(response);
    out += R"(,"reason":)";
    if (!manifest::appendAsciiJsonString(out, response.reason)) return serializeThroughDom(response);
    out += R"(,"status":"Failure"})";
  }
  out += R"(,"uid":)";
  if (!manifest::appendAsciiJsonString(out, response.uid)) return serializeThroughDom(response);
  if (!response.warnings.empty()) {
    out += R"(,"warnings":[)";
    for (size_t i = 0; i < response.warnings.size(); ++i) {
      if (i > 0) out += ',';
      if (!manifest::appendAsciiJsonString(out, response.warnings[i])) return serializeThroughDom(response);
    }
    out += ']';
  }
  out += "}}";
  return out;
}

}  // namespace agentguard::webhook
