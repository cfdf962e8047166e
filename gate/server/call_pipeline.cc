#include "gate/server/call_pipeline.h"

#include <chrono>

#include "common/decision/digest.h"
#include "gate/server/json_rpc_error.h"

namespace agentguard::gate::server {
namespace {

constexpr std::string_view kBearer = "bearer ";

bool startsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != prefix[i]) return false;
  }
  return true;
}

// The digest recorded for a request whose arguments were never read: that of JSON null.
const std::string& unreadArgumentsDigest() {
  static const std::string digest = decision::sha256Hex("null");
  return digest;
}

Answer refusalAnswer(const CallDecision& decision, const std::string& record) {
  return {decision.httpStatus,
          jsonRpcError(decision.id, decision.code, decision.message, decision.rule, decision.reason, record)};
}

}  // namespace

const std::vector<std::string>& forwardedRequestHeaders() {
  static const std::vector<std::string> names = {"content-type",   "accept",   "mcp-protocol-version",
                                                 "mcp-session-id", "mcp-method", "mcp-name",
                                                 "last-event-id"};
  return names;
}

CallPipeline::CallPipeline(CallerAuthenticator& authenticator, CallPolicy& policy, CredentialSource& credentials,
                           CallRecorder& recorder, CallObserver& observer, log::Logger& logger, bool failClosed)
    : authenticator_(authenticator),
      policy_(policy),
      credentials_(credentials),
      recorder_(recorder),
      observer_(observer),
      logger_(logger),
      failClosed_(failClosed) {}

Result<Caller> CallPipeline::authenticate(const IncomingRequest& request) const {
  const auto header = request.headers.find("authorization");
  if (header == request.headers.end() || !startsWithIgnoringCase(header->second, kBearer)) {
    return makeError(ErrorCode::kForbidden,
                     "the request has no \"Authorization: Bearer <token>\" header; send the token from the file "
                     "named by $AGENTGUARD_GATE_TOKEN_FILE");
  }
  std::string token = header->second.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.erase(0, 1);
  if (token.empty()) {
    return makeError(ErrorCode::kForbidden, "the Authorization header has an empty bearer token");
  }
  return authenticator_.authenticate(token, request.sourceIp);
}

// A refused caller is recorded as well: who tried (its address), which server, that it was refused.
Answer CallPipeline::refuseCaller(const IncomingRequest& request, const Error& error) const {
  CallDecision decision;
  decision.refused = true;
  decision.httpStatus = 401;
  decision.code = codes::kCallerRefused;
  decision.message = "CallerRefused";
  decision.rule = "tools.caller";
  decision.reason = error.message;
  decision.argumentsDigest = unreadArgumentsDigest();
  Caller unknown;
  unknown.sourceIp = request.sourceIp;
  logger_.warn("Refused an MCP caller",
               {{"server", request.server}, {"sourceIp", request.sourceIp}, {"reason", error.message}});
  observer_.decided(unknown, request.server, decision, std::chrono::nanoseconds(0));
  if (request.method != "POST") return refusalAnswer(decision, "");
  Result<std::string> record = recorder_.record(unknown, request.server, decision);
  return refusalAnswer(decision, record ? *record : "");
}

Result<Forward> CallPipeline::forwardTo(const Caller& caller, const IncomingRequest& request,
                                        const Upstream& upstream) const {
  Result<UpstreamUrl> url = parseUpstreamUrl(upstream.url);
  if (!url) return url.error();
  Forward forward;
  forward.url = std::move(*url);
  forward.caller = caller;
  forward.server = request.server;
  for (const std::string& name : forwardedRequestHeaders()) {
    const auto found = request.headers.find(name);
    if (found != request.headers.end()) forward.headers.emplace_back(name, found->second);
  }
  if (!upstream.secretName.empty()) {
    Result<std::string> secret = credentials_.secretValue(caller.namespaceName, upstream.secretName, upstream.secretKey);
    if (!secret) {
      return makeError(ErrorCode::kUnavailable, "the upstream credential Secret " + caller.namespaceName + "/" +
                                                    upstream.secretName + " key \"" + upstream.secretKey +
                                                    "\" cannot be read: " + secret.error().message);
    }
    forward.headers.emplace_back("authorization", "Bearer " + *secret);
  }
  return forward;
}

Admission CallPipeline::admitCall(const IncomingRequest& request) const {
  const auto started = std::chrono::steady_clock::now();
  Result<Caller> caller = authenticate(request);
  if (!caller) return {refuseCaller(request, caller.error()), {}};

  McpRequest call{request.server, &request.headers, &request.body};
  CallDecision decision = policy_.decide(*caller, call);
  observer_.decided(*caller, request.server, decision, std::chrono::steady_clock::now() - started);

  // The record comes first, before any answer or forwarding.
  Result<std::string> record = recorder_.record(*caller, request.server, decision);
  const std::string recordId = record ? *record : "";
  if (decision.refused) {
    logger_.info(decision.enforce ? "Refused a tool call" : "Audited a tool call the policy refuses",
                 {{"agentSandbox", caller->namespaceName + "/" + caller->sandbox},
                  {"pod", caller->pod},
                  {"server", request.server},
                  {"method", decision.method},
                  {"tool", decision.tool},
                  {"rule", decision.rule},
                  {"record", recordId}});
  }
  if (!record) {
    logger_.error("Failed to write the decision record of a tool call",
                  {{"agentSandbox", caller->namespaceName + "/" + caller->sandbox},
                   {"server", request.server},
                   {"error", record.error().message}});
  }
  if (decision.refused && decision.enforce) return {refusalAnswer(decision, recordId), {}};
  if (!record && failClosed_ && decision.enforce) {
    return {Answer{200, jsonRpcError(decision.id, codes::kRecordUnwritable, "RecordUnwritable", "tools.record",
                                     "the gate could not write the decision record of this call (" +
                                         record.error().message + "); the call was not forwarded",
                                     "")},
            {}};
  }
  Result<Forward> forward = forwardTo(*caller, request, decision.upstream);
  if (!forward) {
    return {Answer{200, jsonRpcError(decision.id, codes::kUpstreamUnavailable, "UpstreamUnavailable",
                                     "tools.upstream", forward.error().message, recordId)},
            {}};
  }
  forward->filterToolsList = decision.filterToolsList;
  forward->id = decision.id;
  return {std::nullopt, std::move(*forward)};
}

Admission CallPipeline::admitSession(const IncomingRequest& request) const {
  Result<Caller> caller = authenticate(request);
  if (!caller) return {refuseCaller(request, caller.error()), {}};
  Result<Upstream> upstream = policy_.upstream(*caller, request.server);
  if (!upstream) {
    const bool unknown = upstream.error().code == ErrorCode::kNotFound;
    return {Answer{200, jsonRpcError(nullptr, unknown ? codes::kMethodNotAllowed : codes::kPolicyUnavailable,
                                     unknown ? "MethodNotAllowed" : "PolicyUnavailable",
                                     unknown ? "tools.method-not-allowed" : "tools.policy", upstream.error().message,
                                     "")},
            {}};
  }
  Result<Forward> forward = forwardTo(*caller, request, *upstream);
  if (!forward) {
    return {Answer{200, jsonRpcError(nullptr, codes::kUpstreamUnavailable, "UpstreamUnavailable", "tools.upstream",
                                     forward.error().message, "")},
            {}};
  }
  return {std::nullopt, std::move(*forward)};
}

std::optional<std::string> CallPipeline::filterToolsList(const Forward& forward, const std::string& message) const {
  Result<std::string> filtered = policy_.filterToolsList(forward.caller, forward.server, forward.id, message);
  if (!filtered) return std::nullopt;
  return std::move(*filtered);
}

Answer CallPipeline::refuseTooLarge(const IncomingRequest& request, size_t limit) const {
  Result<Caller> caller = authenticate(request);
  if (!caller) return refuseCaller(request, caller.error());
  CallDecision decision;
  decision.refused = true;
  decision.httpStatus = 413;
  decision.code = codes::kRequestTooLarge;
  decision.message = "RequestTooLarge";
  decision.rule = "tools.size";
  decision.reason = "the request body is larger than " + std::to_string(limit) + " bytes; send smaller arguments";
  decision.argumentsDigest = unreadArgumentsDigest();
  observer_.decided(*caller, request.server, decision, std::chrono::nanoseconds(0));
  Result<std::string> record = recorder_.record(*caller, request.server, decision);
  logger_.info("Refused a tool call",
               {{"agentSandbox", caller->namespaceName + "/" + caller->sandbox},
                {"pod", caller->pod},
                {"server", request.server},
                {"rule", decision.rule},
                {"record", record ? *record : ""}});
  return refusalAnswer(decision, record ? *record : "");
}

Answer CallPipeline::upstreamUnavailable(const Forward& forward, const std::string& reason) {
  return {200, jsonRpcError(forward.id, codes::kUpstreamUnavailable, "UpstreamUnavailable", "tools.upstream",
                            "server \"" + forward.server + "\": " + reason + "; the call may be retried", "")};
}

}  // namespace agentguard::gate::server
