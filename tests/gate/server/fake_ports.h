#pragma once

// In-memory stand-ins for the MCP proxy's ports: a token table for caller authentication, a small
// policy (tools/call of send_email allowed, anything else refused, tools/list filtered to send_email),
// a fixed credential and recorders that count or fail.

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/decision/digest.h"
#include "gate/server/call_ports.h"

namespace agentguard::gate::server::testing {

class TokenTable final : public CallerAuthenticator {
 public:
  Result<Caller> authenticate(const std::string& token, const std::string& sourceIp) override {
    if (token != "agent-token") return makeError(ErrorCode::kForbidden, "TokenReview refused the token");
    return Caller{"agents", "analyst", "uid-s", "analyst-0", "uid-p", "analyst", sourceIp};
  }
};

class SendEmailPolicy final : public CallPolicy {
 public:
  explicit SendEmailPolicy(std::string upstreamUrl, bool enforce = true)
      : upstreamUrl_(std::move(upstreamUrl)), enforce_(enforce) {}

  CallDecision decide(const Caller&, const McpRequest& request) const override {
    CallDecision decision;
    decision.enforce = enforce_;
    decision.upstream = {upstreamUrl_, "mail-mcp", "token"};
    decision.policyDigest = std::string(64, 'e');
    const nlohmann::json body = nlohmann::json::parse(*request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return refuse(decision, 400, codes::kParseError, "tools.invalid", "the body is not a JSON-RPC object");
    }
    decision.id = body.value("id", nlohmann::json());
    decision.method = body.value("method", "");
    decision.argumentsDigest = decision::sha256Hex("null");
    if (decision.method == "tools/list") {
      decision.filterToolsList = true;
      return decision;
    }
    if (decision.method != "tools/call") return decision;
    decision.tool = body["params"].value("name", "");
    if (decision.tool != "send_email") {
      return refuse(decision, 200, codes::kToolNotAllowed, "tools.tool-not-allowed",
                    "tool \"" + decision.tool + "\" is not in methods[tools/call].params (send_email)");
    }
    return decision;
  }

  Result<Upstream> upstream(const Caller&, const std::string& server) const override {
    if (server != "mail") return makeError(ErrorCode::kNotFound, "no server \"" + server + "\"");
    return Upstream{upstreamUrl_, "mail-mcp", "token"};
  }

  Result<std::string> filterToolsList(const Caller&, const std::string&, const nlohmann::json&,
                                      const std::string& message) const override {
    nlohmann::json parsed = nlohmann::json::parse(message, nullptr, false);
    if (parsed.is_discarded()) return makeError(ErrorCode::kInvalidArgument, "not JSON");
    if (parsed.contains("result") && parsed["result"].contains("tools")) {
      nlohmann::json kept = nlohmann::json::array();
      for (const auto& tool : parsed["result"]["tools"]) {
        if (tool.value("name", "") == "send_email") kept.push_back(tool);
      }
      parsed["result"]["tools"] = kept;
    }
    return parsed.dump();
  }

 private:
  static CallDecision refuse(CallDecision decision, int status, int code, std::string rule, std::string reason) {
    decision.refused = true;
    decision.httpStatus = status;
    decision.code = code;
    decision.message = "Refused";
    decision.rule = std::move(rule);
    decision.reason = std::move(reason);
    return decision;
  }

  std::string upstreamUrl_;
  bool enforce_;
};

class FixedCredential final : public CredentialSource {
 public:
  Result<std::string> secretValue(const std::string& ns, const std::string& name, const std::string& key) override {
    if (ns == "agents" && name == "mail-mcp" && key == "token") return std::string("upstream-secret");
    return makeError(ErrorCode::kNotFound, "no such Secret");
  }
};

// Counts records; refuses them all when `failing`.
class CountingRecorder final : public CallRecorder {
 public:
  Result<std::string> record(const Caller&, const std::string&, const CallDecision& decision) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failing) return makeError(ErrorCode::kUnavailable, "the log's disk is full");
    actions.push_back(decision.refused ? (decision.enforce ? "deny" : "audit") : "allow");
    return std::string(64, 'f');
  }
  std::atomic<bool> failing{false};
  std::vector<std::string> actions;

 private:
  std::mutex mutex_;
};

class NullObserver final : public CallObserver {
 public:
  void decided(const Caller&, const std::string&, const CallDecision&, std::chrono::nanoseconds) override {}
  void upstreamAnswered(const std::string&, std::chrono::nanoseconds) override {}
};

}  // namespace agentguard::gate::server::testing
