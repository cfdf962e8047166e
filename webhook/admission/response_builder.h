#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/finding.h"
#include "webhook/admission/enforcement_mode.h"

namespace agentguard::webhook {

// The API server drops warnings it cannot carry in a header; each must be one printable line of fewer
// than 512 bytes.
constexpr size_t kMaxWarningBytes = 511;
constexpr size_t kMaxAuditValueBytes = 256;
// Denial lines past this many are summarised, so one object with hundreds of findings stays readable.
constexpr size_t kMaxDenialLines = 20;

// The response half of an AdmissionReview.
struct AdmissionResponse {
  std::string uid;
  bool allowed = true;
  int code = 200;          // status.code when refused: 403 for a policy denial, 500 for an internal error
  std::string reason;      // status.reason: "Forbidden" | "InternalError"
  std::string message;     // status.message when refused
  std::vector<std::string> warnings;
  std::vector<std::pair<std::string, std::string>> auditAnnotations;  // key (no '/'; the API server
                                                                      // prefixes the webhook name), value
};

// Builds the response for `findings`: refused with one line per deny finding, warnings for warn
// findings, audit annotations for audit findings (key: the rule id; value: the first finding's path
// and message, with enforcedNote when the enforcement mode lowered it). `relaxed` is
// applyEnforcementMode's answer for `findings` (same order; shorter or empty: nothing lowered).
AdmissionResponse responseForFindings(std::string uid, const engine::Findings& findings,
                                      const RelaxedActions& relaxed = {});

// A refusal for a request the webhook could not evaluate: it fails closed.
AdmissionResponse internalErrorResponse(std::string uid, std::string_view objectName);

// `agentguard denied Deployment agents/scraper: [rule] path: message; fix: fix`
std::string denialLine(const engine::Finding& finding);
// `[rule] Deployment agents/scraper: path: message; fix: fix`, one line, at most kMaxWarningBytes. A
// finding the enforcement mode lowered says what it meets once enforced:
// `[rule] denied once enforced: Deployment agents/scraper: ...`.
std::string warningText(const engine::Finding& finding, std::optional<engine::Action> relaxedFrom = std::nullopt);
// "denied once enforced: " or "warned once enforced: " for a finding the enforcement mode lowered from
// `relaxedFrom`; empty for nullopt.
std::string_view enforcedNote(std::optional<engine::Action> relaxedFrom);

// The AdmissionReview JSON the API server expects.
std::string serializeAdmissionReview(const AdmissionResponse& response);

// At most `maxBytes` bytes of `text`, cut on a UTF-8 character boundary; "..." marks a cut.
std::string truncateUtf8(std::string_view text, size_t maxBytes);
// Control characters (newlines, tabs, escape sequences) replaced by spaces: warnings travel in HTTP
// headers and end up on terminals.
std::string singleLine(std::string_view text);

}  // namespace agentguard::webhook
