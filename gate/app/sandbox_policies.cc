#include "gate/app/sandbox_policies.h"

#include <variant>

#include "common/decision/canonical_json.h"
#include "common/decision/digest.h"
#include "gate/mcp/decision.h"
#include "gate/mcp/error_codes.h"
#include "gate/mcp/json_rpc_message.h"
#include "gate/mcp/tools_list_filter.h"

namespace agentguard::gate::app {
namespace {

std::string nameOf(const nlohmann::json& sandbox) {
  const auto metadata = sandbox.find("metadata");
  if (metadata == sandbox.end() || !metadata->is_object()) return "";
  return metadata->value("name", "");
}

std::string policyDigest(const nlohmann::json& sandbox) {
  nlohmann::json governed = nlohmann::json::object();
  if (const auto spec = sandbox.find("spec"); spec != sandbox.end() && spec->is_object()) {
    if (spec->contains("tools")) governed["tools"] = (*spec)["tools"];
    if (spec->contains("network") && (*spec)["network"].is_object() && (*spec)["network"].contains("egressHosts")) {
      governed["egressHosts"] = (*spec)["network"]["egressHosts"];
    }
  }
  Result<std::string> canonical = decision::canonicalJson(governed);
  return decision::sha256Hex(canonical ? *canonical : governed.dump());
}

server::CallDecision refusal(int status, int code, std::string_view rule, std::string reason) {
  server::CallDecision decision;
  decision.refused = true;
  decision.httpStatus = status;
  decision.code = code;
  decision.message = std::string(mcp::errorMessage(code));
  decision.rule = std::string(rule);
  decision.reason = std::move(reason);
  decision.argumentsDigest = decision::sha256Hex("null");
  return decision;
}

}  // namespace

SandboxPolicies::SandboxPolicies(size_t maxMessageBytes) : maxMessageBytes_(maxMessageBytes) {}

kube::InformerHandlers SandboxPolicies::handlers() {
  kube::InformerHandlers handlers;
  handlers.onAdd = [this](const kube::SharedObject& sandbox) { store(*sandbox); };
  handlers.onUpdate = [this](const kube::SharedObject&, const kube::SharedObject& sandbox) { store(*sandbox); };
  handlers.onDelete = [this](const kube::SharedObject& sandbox) { remove(*sandbox); };
  return handlers;
}

void SandboxPolicies::store(const nlohmann::json& sandbox) {
  Entry entry;
  entry.digest = policyDigest(sandbox);
  Result<policy::SandboxToolPolicy> parsed = policy::parseSandboxToolPolicy(sandbox);
  if (parsed) {
    entry.policy = std::make_shared<const policy::SandboxToolPolicy>(std::move(*parsed));
  } else {
    entry.error = parsed.error().message;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  entries_[nameOf(sandbox)] = std::move(entry);
}

void SandboxPolicies::remove(const nlohmann::json& sandbox) {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.erase(nameOf(sandbox));
}

Result<std::shared_ptr<const policy::SandboxToolPolicy>> SandboxPolicies::find(const std::string& sandbox) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = entries_.find(sandbox);
  if (found == entries_.end()) {
    return makeError(ErrorCode::kUnavailable, "AgentSandbox " + sandbox + " is not known to the gate (yet); retry shortly");
  }
  if (!found->second.policy) {
    return makeError(ErrorCode::kUnavailable, "the tool policy of AgentSandbox " + sandbox +
                                                  " is invalid, so every call is refused: " + found->second.error);
  }
  return found->second.policy;
}

Result<SandboxPolicies::Entry> SandboxPolicies::entry(const server::Caller& caller) const {
  Result<std::shared_ptr<const policy::SandboxToolPolicy>> found = find(caller.sandbox);
  if (!found) return found.error();
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.at(caller.sandbox);
}

server::CallDecision SandboxPolicies::decide(const server::Caller& caller, const server::McpRequest& request) const {
  Result<Entry> found = entry(caller);
  if (!found) return refusal(200, mcp::kPolicyUnavailable, "tools.policy", found.error().message);
  const policy::SandboxToolPolicy& policy = *found->policy;
  const mcp::JsonRpcRead read = mcp::readJsonRpcMessage(*request.body, maxMessageBytes_);
  if (const auto* failure = std::get_if<mcp::JsonRpcReadFailure>(&read)) {
    server::CallDecision decision = refusal(400, failure->code, failure->rule, failure->reason);
    decision.id = failure->id;
    decision.policyDigest = found->digest;
    return decision;
  }
  const auto& message = std::get<mcp::JsonRpcMessage>(read);
  const mcp::HeaderMap headers(request.headers->begin(), request.headers->end());
  const mcp::Verdict verdict = mcp::decide(policy, request.server, message, headers);
  server::CallDecision decision;
  decision.refused = !verdict.allowed || verdict.audited;
  decision.enforce = policy.mode == policy::ToolsMode::kEnforce;
  decision.httpStatus = verdict.httpStatus;
  decision.code = verdict.code;
  decision.message = decision.refused ? std::string(mcp::errorMessage(verdict.code)) : "";
  decision.rule = verdict.rule;
  decision.reason = verdict.reason;
  decision.id = verdict.requestId;
  decision.method = verdict.method;
  decision.tool = verdict.tool;
  decision.argumentsDigest = verdict.argumentsDigest.empty() ? decision::sha256Hex("null") : verdict.argumentsDigest;
  decision.policyDigest = found->digest;
  decision.filterToolsList = verdict.method == "tools/list" && message.kind == mcp::JsonRpcMessage::Kind::kRequest;
  if (const policy::ToolServer* server = policy.server(request.server)) {
    decision.upstream.url = server->url;
    if (server->credentialsSecretRef) {
      decision.upstream.secretName = server->credentialsSecretRef->name;
      decision.upstream.secretKey = server->credentialsSecretRef->key;
    }
  }
  // A header mismatch is refused in Audit mode too: the body is what was decided.
  if (verdict.rule == mcp::kRuleHeaderMismatch) decision.enforce = true;
  return decision;
}

Result<server::Upstream> SandboxPolicies::upstream(const server::Caller& caller, const std::string& name) const {
  Result<std::shared_ptr<const policy::SandboxToolPolicy>> found = find(caller.sandbox);
  if (!found) return found.error();
  const policy::ToolServer* server = (*found)->server(name);
  if (server == nullptr) {
    return makeError(ErrorCode::kNotFound, "server \"" + name + "\" is not in spec.tools.servers of AgentSandbox " +
                                               caller.namespaceName + "/" + caller.sandbox);
  }
  server::Upstream upstream{server->url, "", ""};
  if (server->credentialsSecretRef) {
    upstream.secretName = server->credentialsSecretRef->name;
    upstream.secretKey = server->credentialsSecretRef->key;
  }
  return upstream;
}

Result<std::string> SandboxPolicies::filterToolsList(const server::Caller& caller, const std::string& server,
                                                     const nlohmann::json& requestId, const std::string& message) const {
  Result<std::shared_ptr<const policy::SandboxToolPolicy>> found = find(caller.sandbox);
  if (!found) return found.error();
  return mcp::filterToolsListBody(**found, server, requestId, message);
}

}  // namespace agentguard::gate::app
