#include "gate/app/gate_app.h"

#include "common/decision/key_generation.h"
#include "common/process/host_name.h"
#include "gate/policy/egress_hosts.h"

namespace agentguard::gate::app {

// Metrics and Events see every decision.
class GateApp::Observers final : public server::CallObserver {
 public:
  Observers(server::CallObserver& first, server::CallObserver& second) : first_(first), second_(second) {}
  void decided(const server::Caller& caller, const std::string& server, const server::CallDecision& decision,
               std::chrono::nanoseconds took) override {
    first_.decided(caller, server, decision, took);
    second_.decided(caller, server, decision, took);
  }
  void upstreamAnswered(const std::string& server, std::chrono::nanoseconds took) override {
    first_.upstreamAnswered(server, took);
    second_.upstreamAnswered(server, took);
  }

 private:
  server::CallObserver& first_;
  server::CallObserver& second_;
};

GateApp::GateApp(const GateFlags& flags, kube::KubeClient& client, log::Logger& logger)
    : flags_(flags), client_(client), logger_(logger), policies_(flags.maxRequestBytes) {}

GateApp::~GateApp() { stop(); }

Status GateApp::openDecisionLog() {
  if (flags_.decisionLogFile.empty()) {
    logger_.warn("Recording no decisions: --decision-log-file is not set");
    recorder_ = std::make_unique<server::ToolCallRecorder>(nullptr);
    return okStatus();
  }
  Result<decision::SigningKey> key = makeError(ErrorCode::kInternal, "no signing key");
  if (flags_.decisionSigningKeyCreate) {
    auto keyFile = decision::signingKeyFromFileOrNew(flags_.decisionSigningKey);
    if (!keyFile) return keyFile.error();
    logger_.info(keyFile->created ? "Created the decision signing key" : "Using the decision signing key",
                 {{"file", flags_.decisionSigningKey},
                  {"publicKeyFile", flags_.decisionSigningKey + ".pub"},
                  {"keyid", keyFile->key.keyId()},
                  {"publicKey", keyFile->key.publicKeyPem()}});
    key = Result<decision::SigningKey>(std::move(keyFile->key));
  } else {
    key = decision::SigningKey::fromPemFile(flags_.decisionSigningKey);
  }
  if (!key) return key.error();
  std::vector<decision::CheckpointSinkPtr> sinks;
  if (!flags_.decisionCheckpointFile.empty()) {
    sinks.push_back(std::make_unique<decision::FileCheckpointSink>(flags_.decisionCheckpointFile));
  }
  const std::string origin = process::hostName();
  auto log = decision::DecisionLog::open(
      std::move(*key),
      {.file = flags_.decisionLogFile,
       .origin = origin,
       .checkpoints = {.everyRecords = flags_.decisionCheckpointRecords, .every = flags_.decisionCheckpointInterval},
       .checkpointSinks = std::move(sinks),
       .queue = {.waitForRecord = flags_.decisionLogWait}},
      logger_);
  if (!log) return log.error();
  decisionLog_ = std::move(*log);
  decisionMetrics_.emplace(*metrics_.registry());
  recorder_ = std::make_unique<server::ToolCallRecorder>(&decisionLog_->queue());
  logger_.info("Recording tool-call decisions",
               {{"file", flags_.decisionLogFile}, {"origin", origin}, {"nextSeq", decisionLog_->nextSeq()}});
  return okStatus();
}

Status GateApp::startProxy() {
  if (flags_.proxyListen == "0") return okStatus();
  auto address = http::parseListenAddress(flags_.proxyListen);
  if (!address) return address.error();
  egress::ConnectProxyOptions options;
  options.listenAddress = address->host;
  options.port = address->port;
  // The sandbox's egressHosts decide about IP literals (refused unless listed literally); the address
  // filter still refuses private, loopback, link-local and metadata addresses whatever is listed.
  options.allowIpLiterals = true;
  egress::ConnectProxyHooks hooks;
  hooks.authenticator = authenticator_.get();
  hooks.identifyBySourceIp = [this](std::string_view sourceIp) { return authenticator_->identifyBySourceIp(sourceIp); };
  hooks.authorize = [this](const Caller* caller, std::string_view, std::string_view host, uint16_t port) {
    if (caller == nullptr) return egress::EgressDecision{false, "the connection is not from a sandbox Pod"};
    auto policy = policies_.find(caller->sandbox);
    if (!policy) return egress::EgressDecision{false, policy.error().message};
    if (!policy::egressHostAllowed(**policy, host, port)) {
      return egress::EgressDecision{false, std::string(host) + ":" + std::to_string(port) +
                                               " is not in spec.network.egressHosts of AgentSandbox " +
                                               caller->namespaceName + "/" + caller->sandbox + "; add it there"};
    }
    return egress::EgressDecision{true, "listed in spec.network.egressHosts"};
  };
  hooks.onOutcome = [this](const egress::EgressOutcome& outcome) { metrics_.egressOutcome(outcome); };
  proxy_ = std::make_unique<egress::ConnectProxy>(options, std::move(hooks));
  return proxy_->start();
}

Status GateApp::startHealth() {
  if (flags_.metricsListen == "0") return okStatus();
  http::ServerOptions options;
  options.listen = flags_.metricsListen;
  health_ = std::make_unique<http::Server>(options, logger_);
  health_->route("GET", "/healthz", [](const http::Request&) { return http::Response::text(200, "ok\n"); });
  health_->route("GET", "/readyz", [this](const http::Request&) {
    if (!sandboxes_ || !sandboxes_->hasSynced()) return http::Response::text(503, "AgentSandbox cache not synced\n");
    if (!lookup_ || !lookup_->current()) {
      return http::Response::text(503, "Pod cache not in step with the API server (starting or re-listing)\n");
    }
    return http::Response::text(200, "ok\n");
  });
  health_->route("GET", "/metrics", [this](const http::Request&) {
    if (decisionLog_) decisionMetrics_->observe(*decisionLog_);
    http::Response response = http::Response::text(200, metrics_.render());
    response.contentType = "text/plain; version=0.0.4; charset=utf-8";
    return response;
  });
  return health_->start();
}

Status GateApp::start() {
  if (Status opened = openDecisionLog(); !opened.ok()) return opened;
  lookup_ = std::make_unique<PodInformerLookup>(client_, flags_.ns, logger_);
  lookup_->start();
  AuthenticatorOptions authOptions;
  authOptions.namespaceName = flags_.ns;
  authOptions.audience = flags_.tokenAudience;
  authenticator_ = makeCallerAuthenticator(*lookup_, authOptions);
  callers_ = std::make_unique<TokenCallers>(*authenticator_);
  credentials_ = std::make_unique<SecretCredentials>(client_);
  events_ = std::make_unique<DenialEvents>(DenialEvents::toCluster(client_), logger_);
  observers_ = std::make_unique<Observers>(metrics_, *events_);
  pipeline_ = std::make_unique<server::CallPipeline>(*callers_, policies_, *credentials_, *recorder_, *observers_,
                                                     logger_,
                                                     flags_.decisionLogOnFailure == decision::OnRecordFailure::kDeny);
  kube::InformerOptions informerOptions;
  informerOptions.ns = flags_.ns;
  sandboxes_ = std::make_unique<kube::Informer>(client_, kube::resources::agentSandboxes(), informerOptions, logger_);
  sandboxes_->addHandlers(policies_.handlers());
  sandboxes_->start();

  server::McpServerOptions mcpOptions;
  mcpOptions.listen = flags_.mcpListen;
  mcpOptions.maxRequestBytes = flags_.maxRequestBytes;
  mcpOptions.upstreamTimeout = flags_.upstreamTimeout;
  mcp_ = std::make_unique<server::McpServer>(mcpOptions, *pipeline_, logger_);
  if (Status started = mcp_->start(); !started.ok()) return started;
  if (Status started = startProxy(); !started.ok()) return started;
  if (Status started = startHealth(); !started.ok()) return started;
  logger_.info("Serving the tool-call gate", {{"namespace", flags_.ns},
                                              {"mcp", flags_.mcpListen},
                                              {"proxy", flags_.proxyListen},
                                              {"metrics", flags_.metricsListen}});
  return okStatus();
}

void GateApp::stop() {
  if (health_) health_->stop();
  if (proxy_) proxy_->stop();
  if (mcp_) mcp_->stop();
  if (sandboxes_) sandboxes_->stop();
  if (lookup_) lookup_->stop();
}

bool GateApp::ready() const { return sandboxes_ && sandboxes_->hasSynced() && lookup_ && lookup_->current(); }

}  // namespace agentguard::gate::app
