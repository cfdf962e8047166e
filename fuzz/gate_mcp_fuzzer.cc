// The gate's JSON-RPC reader and decision on arbitrary bodies. Besides never crashing: what Enforce
// allows is a base method, a response, or a listed method naming a listed tool or resource; every
// refusal has a code, a rule and a reason; the denial body serialises; Audit forwards what Enforce
// refuses, except header mismatches; tools/list filtering leaves no unlisted tool.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "gate/mcp/decision.h"
#include "gate/mcp/error_codes.h"
#include "gate/mcp/json_rpc_error.h"
#include "gate/mcp/json_rpc_message.h"
#include "gate/mcp/tools_list_filter.h"
#include "gate/policy/method_target.h"
#include "gate_policy_fixture.h"

using namespace agentguard::gate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const policy::SandboxToolPolicy& enforce = fuzzPolicy(false);
  const policy::SandboxToolPolicy& audit = fuzzPolicy(true);

  // The filter must hold whatever the upstream sends.
  if (auto filtered = mcp::filterToolsListBody(enforce, "mail", 1, body); filtered) {
    const nlohmann::json out = nlohmann::json::parse(*filtered);
    if (out.is_object() && out.contains("result") && out["result"].is_object() && out.value("id", nlohmann::json()) == 1) {
      for (const auto& tool : out["result"].value("tools", nlohmann::json::array())) {
        if (!enforce.servers[0].toolAllowed(tool.at("name").get<std::string>())) __builtin_trap();
      }
    }
  }
  (void)mcp::filterToolsListSseEvent(enforce, "mail", 1, body);

  const mcp::JsonRpcRead read = mcp::readJsonRpcMessage(body);
  if (const auto* failure = std::get_if<mcp::JsonRpcReadFailure>(&read)) {
    if (failure->code == 0 || failure->reason.empty()) __builtin_trap();
    (void)mcp::jsonRpcError(failure->id, failure->code, mcp::errorMessage(failure->code), failure->rule,
                            failure->reason, "").dump();
    return 0;
  }
  const mcp::JsonRpcMessage& message = std::get<mcp::JsonRpcMessage>(read);
  const mcp::HeaderMap headers = {{"mcp-method", message.method},
                                  {"mcp-name", mcp::messageTargetName(message).value_or("")},
                                  {"mcp-protocol-version", "2026-07-28"}};
  for (const mcp::HeaderMap& sent : {mcp::HeaderMap{}, headers}) {
    const mcp::Verdict verdict = mcp::decide(enforce, "mail", message, sent);
    const mcp::Verdict audited = mcp::decide(audit, "mail", message, sent);
    if (verdict.allowed && verdict.code != 0) __builtin_trap();
    if (!verdict.allowed && (verdict.code == 0 || verdict.rule.empty() || verdict.reason.empty())) __builtin_trap();
    if (verdict.allowed && message.kind != mcp::JsonRpcMessage::Kind::kResponse &&
        !policy::isBaseMethod(message.method)) {
      const policy::MethodRule* rule = enforce.servers[0].method(message.method);
      if (rule == nullptr) __builtin_trap();
      if (policy::methodTarget(message.method) != policy::MethodTarget::kNone &&
          !rule->allows(mcp::messageTargetName(message).value_or("\x01"))) {
        __builtin_trap();
      }
    }
    const bool headerRefusal = verdict.code == mcp::kHeaderMismatch;
    if (audited.allowed != (verdict.allowed || !headerRefusal)) __builtin_trap();
    if (audited.audited != (!verdict.allowed && !headerRefusal)) __builtin_trap();
    (void)mcp::jsonRpcError(verdict.requestId, verdict.code, mcp::errorMessage(verdict.code), verdict.rule,
                            verdict.reason, "00").dump();
  }
  return 0;
}
