#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/log/logger.h"
#include "gate/server/call_ports.h"
#include "gate/server/upstream_url.h"

namespace agentguard::gate::server {

// One request to /mcp/<server>, read in full.
struct IncomingRequest {
  std::string method;  // POST, GET, DELETE
  std::string server;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string sourceIp;
};

// A JSON answer the gate gives itself (a refusal).
struct Answer {
  int status = 200;
  std::string body;
};

// The request as it goes upstream.
struct Forward {
  UpstreamUrl url;
  std::vector<std::pair<std::string, std::string>> headers;  // the safe ones, plus the upstream credential
  bool filterToolsList = false;
  Caller caller;
  std::string server;
  nlohmann::json id;  // the request's id, for an error answered after forwarding failed
};

// Either an answer or a request to forward.
struct Admission {
  std::optional<Answer> answer;
  Forward forward;
};

// The request headers the gate copies upstream; everything else (the agent's Authorization above all)
// stays behind.
const std::vector<std::string>& forwardedRequestHeaders();

// The decision path of one MCP request, top to bottom: authenticate the caller, decide on the parsed
// body, write the decision record (allow and deny alike), then answer the refusal or build the upstream
// request. No network I/O of its own beyond what its ports do; the server runs it on the connection's
// thread.
class CallPipeline {
 public:
  // `failClosed`: an Enforce-mode call whose record cannot be written is refused (-32016)
  // (--decision-log-on-failure deny); otherwise it goes on unrecorded, logged.
  CallPipeline(CallerAuthenticator& authenticator, CallPolicy& policy, CredentialSource& credentials,
               CallRecorder& recorder, CallObserver& observer, log::Logger& logger, bool failClosed = true);

  // POST /mcp/<server>.
  Admission admitCall(const IncomingRequest& request) const;
  // GET and DELETE /mcp/<server> (2025-11-25 session streams): the caller is authenticated, nothing is
  // decided on (there is no body).
  Admission admitSession(const IncomingRequest& request) const;

  // Filters one tools/list answer for the caller; nullopt when the message is not JSON.
  std::optional<std::string> filterToolsList(const Forward& forward, const std::string& message) const;

  CallObserver& observer() const { return observer_; }

  // A request whose body is larger than `limit` (`request` holds its headers, no body): its caller is
  // authenticated from the headers and the refusal recorded like any other (-32018, HTTP 413).
  Answer refuseTooLarge(const IncomingRequest& request, size_t limit) const;
  // The upstream could not be reached or answered nothing usable.
  static Answer upstreamUnavailable(const Forward& forward, const std::string& reason);

 private:
  Result<Caller> authenticate(const IncomingRequest& request) const;
  Answer refuseCaller(const IncomingRequest& request, const Error& error) const;
  Result<Forward> forwardTo(const Caller& caller, const IncomingRequest& request, const Upstream& upstream) const;

  CallerAuthenticator& authenticator_;
  CallPolicy& policy_;
  CredentialSource& credentials_;
  CallRecorder& recorder_;
  CallObserver& observer_;
  log::Logger& logger_;
  bool failClosed_;
};

}  // namespace agentguard::gate::server
