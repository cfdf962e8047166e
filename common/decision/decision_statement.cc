#include "common/decision/decision_statement.h"

#include "common/decision/canonical_json.h"
#include "common/decision/digest.h"

namespace agentguard::decision {
namespace {

nlohmann::json extensionOf(const Decision& decision, const LogPosition& position) {
  nlohmann::json findings = nlohmann::json::array();
  for (const DecisionFinding& finding : decision.findings) {
    findings.push_back({{"rule", finding.rule}, {"severity", finding.severity}, {"path", finding.path}});
  }
  return {
      {"uid", decision.uid},
      {"operation", decision.operation},
      {"dryRun", decision.dryRun},
      {"user", decision.user},
      {"groups", decision.groups},
      {"action", decision.action},
      {"mode", decision.mode},
      {"findings", std::move(findings)},
      {"log", {{"origin", position.origin}, {"seq", position.seq}, {"prev", position.prev}}},
  };
}

nlohmann::json toolCallExtensionOf(const Decision& decision, const LogPosition& position) {
  const ToolCall& call = *decision.toolCall;
  return {
      {"kind", "toolcall"},
      {"caller",
       {{"namespace", call.callerNamespace},
        {"sandbox", call.sandbox},
        {"pod", call.pod},
        {"serviceAccount", call.serviceAccount},
        {"sourceIp", call.sourceIp}}},
      {"server", call.server},
      {"tool", call.tool},
      {"method", call.method},
      {"rule", call.rule},
      {"reason", call.reason},
      {"action", decision.action},
      {"mode", decision.mode},
      {"log", {{"origin", position.origin}, {"seq", position.seq}, {"prev", position.prev}}},
  };
}

bool isSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string subjectName(const Decision& decision) {
  if (decision.toolCall) {
    const ToolCall& call = *decision.toolCall;
    return "toolcall/" + call.callerNamespace + "/" + call.sandbox + "/" + call.server + "/" +
           (call.tool.empty() ? call.method : call.tool);
  }
  return (decision.group.empty() ? std::string("core") : decision.group) + "/" + decision.version + "/" +
         decision.kind + "/" + decision.namespace_ + "/" + decision.name;
}

Result<std::string> statementPayload(const Decision& decision, const LogPosition& position) {
  if (decision.toolCall) {
    if (!isSha256Hex(decision.toolCall->argumentsDigest)) {
      return makeError(ErrorCode::kInvalidArgument,
                       subjectName(decision) + ": argumentsDigest must be 64 lower-case hex digits");
    }
    const std::string name = subjectName(decision);
    nlohmann::json predicate = {
        {"verifier", {{"id", decision.verifierId}}},
        {"timeVerified", decision.timeVerified},
        {"resourceUri", "mcp:" + name},
        {"policy", {{"uri", decision.policyUri}, {"digest", {{"sha256", decision.policyDigest}}}}},
        {"verificationResult", decision.passed ? "PASSED" : "FAILED"},
    };
    predicate[std::string(kDecisionField)] = toolCallExtensionOf(decision, position);
    return canonicalJson({
        {"_type", kStatementType},
        {"subject",
         nlohmann::json::array({{{"name", name}, {"digest", {{"sha256", decision.toolCall->argumentsDigest}}}}})},
        {"predicateType", kVerificationSummaryType},
        {"predicate", std::move(predicate)},
    });
  }
  Result<std::string> object = canonicalJson(decision.object);
  if (!object) {
    return makeError(ErrorCode::kInvalidArgument, subjectName(decision) + ": request.object: " + object.error().message);
  }
  const std::string name = subjectName(decision);
  nlohmann::json predicate = {
      {"verifier", {{"id", decision.verifierId}}},
      {"timeVerified", decision.timeVerified},
      {"resourceUri", "k8s:" + name},
      {"policy", {{"uri", decision.policyUri}, {"digest", {{"sha256", decision.policyDigest}}}}},
      {"verificationResult", decision.passed ? "PASSED" : "FAILED"},
  };
  predicate[std::string(kDecisionField)] = extensionOf(decision, position);
  const nlohmann::json statement = {
      {"_type", kStatementType},
      {"subject", nlohmann::json::array({{{"name", name}, {"digest", {{"sha256", sha256Hex(*object)}}}}})},
      {"predicateType", kVerificationSummaryType},
      {"predicate", std::move(predicate)},
  };
  return canonicalJson(statement);
}

Result<LogPosition> positionOf(const nlohmann::json& statement) {
  if (!statement.is_object() || !statement.contains("predicate") || !statement["predicate"].is_object()) {
    return makeError(ErrorCode::kInvalidArgument, "payload has no predicate object");
  }
  const nlohmann::json& predicate = statement["predicate"];
  const auto extension = predicate.find(std::string(kDecisionField));
  if (extension == predicate.end() || !extension->is_object() || !extension->contains("log")) {
    return makeError(ErrorCode::kInvalidArgument, "payload has no predicate[\"" + std::string(kDecisionField) + "\"].log");
  }
  const nlohmann::json& position = (*extension)["log"];
  if (!position.is_object() || !position.contains("origin") || !position["origin"].is_string() ||
      !position.contains("seq") || !position["seq"].is_number_unsigned() || !position.contains("prev") ||
      !position["prev"].is_string()) {
    return makeError(ErrorCode::kInvalidArgument, "payload log must hold origin (string), seq (unsigned), prev (string)");
  }
  return LogPosition{position["origin"].get<std::string>(), position["seq"].get<std::uint64_t>(),
                     position["prev"].get<std::string>()};
}

}  // namespace agentguard::decision
