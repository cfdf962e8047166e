#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/result/result.h"
#include "webhook/reload/periodic_check.h"

namespace agentguard::webhook {

// What the webhook registers, and under which owner.
struct RegistrationOptions {
  // The ValidatingWebhookConfiguration the Helm chart renders (JSON), without caBundle: which
  // requests go to the webhook, failurePolicy, selectors. Its metadata.name is what is registered.
  std::string templateFile;
  // PEM file of the CA that signed the serving certificate (ca.crt of the mounted TLS Secret).
  std::string caFile;
  // A cluster-scoped object of the release whose deletion must take the registration with it (the
  // webhook's ClusterRole): the registration carries an owner reference to it, so `helm uninstall`,
  // even of a release whose Pods never started, leaves no webhook behind (garbage collection).
  std::string ownerClusterRole;
};

// The registration to write, from the template, this replica's CA and the registration as it is on the
// server (null when absent). Pure: table-tested.
//
// caBundle: this replica's CA first, then the first CA of the registered bundle when that is another
// one. During a rotation the replicas' mounted Secrets change at different moments; the API server
// must trust every replica meanwhile, so the bundle holds the new CA and the one before it. A bundle
// that already holds this replica's CA is kept as it is, so replicas never undo each other.
Result<nlohmann::json> desiredRegistration(const nlohmann::json& templ, const std::string& caPem,
                                           const nlohmann::json& existing, const nlohmann::json& owner);

// Registers the webhook with the API server once it is ready, and keeps the registration current:
// re-created when deleted, caBundle updated when the CA changes. Until the first registration the API
// server sends nothing to the webhook, so an install whose Pods never become ready blocks nothing.
class WebhookRegistration {
 public:
  WebhookRegistration(kube::KubeClient& client, RegistrationOptions options, std::function<bool()> ready,
                      log::Logger& logger, std::chrono::milliseconds settle = std::chrono::seconds(3));
  ~WebhookRegistration();  // stops

  // One pass: nothing while not ready; otherwise writes the registration if it differs.
  Status reconcile();
  // reconcile() every `interval` on a background thread until stop().
  void start(std::chrono::milliseconds interval);
  void stop();
  bool registered() const { return registered_.load(); }
  // Whether the API server can be trusted to accept `certPem` (leaf first): true before the first
  // registration (nothing is sent to the webhook yet), else when a CA of the registered bundle signed
  // it and that bundle has been registered for at least `settle` (the API server reads registrations
  // through a watch, a moment after they are written). For CertificateStore::holdNewCertificatesUntil.
  bool trusts(const std::string& certPem) const;

 private:
  Status registerOnce();
  Status writeRegistration(const std::string& name, const nlohmann::json& existing, nlohmann::json desired);

  kube::KubeClient& client_;
  const RegistrationOptions options_;
  std::function<bool()> ready_;
  log::Logger& logger_;
  std::atomic<bool> registered_{false};
  mutable std::mutex mutex_;
  std::string bundle_;  // the PEM bundle last seen registered
  std::chrono::steady_clock::time_point bundleSince_;
  std::chrono::milliseconds settle_;
  std::string lastError_;  // logged once per distinct failure
  PeriodicCheck loop_;
};

}  // namespace agentguard::webhook
