#include "gate/mcp/decision.h"

#include <optional>
#include <string>
#include <utility>

#include "gate/mcp/arguments_digest.h"
#include "gate/mcp/error_codes.h"
#include "gate/policy/matcher_messages.h"
#include "gate/policy/method_target.h"

namespace agentguard::gate::mcp {
namespace {

using Json = nlohmann::json;
using policy::quotedForMessage;

struct Denial {
  int code;
  std::string_view rule;
  std::string reason;
};

const Json& argumentsOf(const JsonRpcMessage& message) {
  static const Json kNone = nullptr;
  if (!message.params.is_object()) return kNone;
  const auto found = message.params.find("arguments");
  return found == message.params.end() ? kNone : *found;
}

std::string serverNames(const policy::SandboxToolPolicy& policy) {
  std::string names;
  for (const policy::ToolServer& server : policy.servers) names += (names.empty() ? "" : ", ") + server.name;
  return names.empty() ? "none" : names;
}

std::optional<Denial> decideToolCall(const policy::ToolServer& server, const JsonRpcMessage& message,
                                     const std::string& digest) {
  const std::string at = "tools.servers[" + server.name + "]";
  const auto name = message.params.is_object() ? message.params.find("name") : message.params.end();
  if (!message.params.is_object() || name == message.params.end() || !name->is_string()) {
    return Denial{kToolNotAllowed, kRuleToolNotAllowed,
                  "params.name must be a string naming the tool; send tools/call with params {name, arguments}"};
  }
  const std::string& tool = name->get_ref<const std::string&>();
  if (!server.toolAllowed(tool)) {
    return Denial{kToolNotAllowed, kRuleToolNotAllowed,
                  "tool " + quotedForMessage(tool) + " is not in " + at +
                      ".methods[tools/call].params; call one of the tools tools/list shows"};
  }
  const Json& arguments = argumentsOf(message);
  if (!arguments.is_null() && !arguments.is_object()) {
    return Denial{kArgumentRefused, kRuleArgument,
                  "params.arguments is a " + std::string(arguments.type_name()) + "; send an object of named arguments"};
  }
  if (digest.empty()) {
    return Denial{kArgumentRefused, kRuleArgument,
                  "params.arguments has a number beyond the range of a double; send numbers a double can hold"};
  }
  const auto rules = server.arguments.find(tool);
  if (rules == server.arguments.end()) return std::nullopt;
  const Json empty = Json::object();
  for (const policy::ArgumentMatcher& matcher : rules->second) {
    if (policy::Refusal refusal = matcher.check(arguments.is_null() ? empty : arguments)) {
      return Denial{kArgumentRefused, kRuleArgument, std::move(*refusal)};
    }
  }
  return std::nullopt;
}

std::optional<Denial> decideMethod(const policy::ToolServer& server, const JsonRpcMessage& message,
                                   const std::string& digest) {
  if (message.kind == JsonRpcMessage::Kind::kResponse || policy::isBaseMethod(message.method)) return std::nullopt;
  if (message.method == "tools/call") return decideToolCall(server, message, digest);
  const std::string at = "tools.servers[" + server.name + "]";
  const policy::MethodRule* rule = server.method(message.method);
  if (rule == nullptr) {
    return Denial{kMethodNotAllowed, kRuleMethodNotAllowed,
                  "method " + quotedForMessage(message.method) + " is not in " + at +
                      ".methods; use the base protocol methods or a method listed there"};
  }
  const policy::MethodTarget target = policy::methodTarget(message.method);
  if (target == policy::MethodTarget::kNone) return std::nullopt;
  const char* field = target == policy::MethodTarget::kUri ? "uri" : "name";
  const auto value = message.params.is_object() ? message.params.find(field) : message.params.end();
  if (!message.params.is_object() || value == message.params.end() || !value->is_string()) {
    return Denial{kMethodNotAllowed, kRuleMethodNotAllowed,
                  "params." + std::string(field) + " must be a string; send " + message.method + " with params." + field};
  }
  if (!rule->allows(value->get_ref<const std::string&>())) {
    return Denial{kMethodNotAllowed, kRuleMethodNotAllowed,
                  quotedForMessage(*value) + " is not in " + at + ".methods[" + message.method +
                      "].params; ask for one listed there"};
  }
  return std::nullopt;
}

Verdict refused(Verdict verdict, int code, std::string_view rule, std::string reason, int httpStatus) {
  verdict.allowed = false;
  verdict.audited = false;
  verdict.code = code;
  verdict.rule = std::string(rule);
  verdict.reason = std::move(reason);
  verdict.httpStatus = httpStatus;
  return verdict;
}

}  // namespace

Verdict decide(const policy::SandboxToolPolicy& policy, std::string_view server, const JsonRpcMessage& message,
               const HeaderMap& headers) {
  Verdict verdict;
  verdict.method = message.method;
  verdict.server = std::string(server);
  verdict.requestId = message.id;
  verdict.tool = messageTargetName(message).value_or("");
  if (Result<std::string> digest = argumentsDigest(argumentsOf(message)); digest) verdict.argumentsDigest = *digest;

  const policy::ToolServer* upstream = policy.server(server);
  if (upstream == nullptr) {
    return refused(std::move(verdict), kToolNotAllowed, kRuleToolNotAllowed,
                   "server " + quotedForMessage(std::string(server)) + " is not in tools.servers (" +
                       serverNames(policy) + "); call $MCP_GATEWAY_URL/<one of those>",
                   200);
  }
  if (std::optional<std::string> mismatch = headerMismatch(message, headers)) {
    return refused(std::move(verdict), kHeaderMismatch, kRuleHeaderMismatch, std::move(*mismatch), 400);
  }
  std::optional<Denial> denial = decideMethod(*upstream, message, verdict.argumentsDigest);
  if (!denial) {
    verdict.allowed = true;
    verdict.reason = message.kind == JsonRpcMessage::Kind::kResponse ? "a response to the server's request"
                     : policy::isBaseMethod(message.method)            ? "a base protocol method"
                                                                       : "allowed by " + verdict.server + "'s policy";
    return verdict;
  }
  verdict = refused(std::move(verdict), denial->code, denial->rule, std::move(denial->reason), 200);
  if (policy.mode == policy::ToolsMode::kAudit) {
    verdict.allowed = true;
    verdict.audited = true;
  }
  return verdict;
}

}  // namespace agentguard::gate::mcp
