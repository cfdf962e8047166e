#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/result/result.h"
#include "common/time/clock.h"
#include "webhook/reload/periodic_check.h"
#include "webhook/tls/self_signed_issuer.h"

namespace agentguard::webhook {

// Where the webhook keeps a self-signed serving certificate it generated (--tls-self-signed-secret-name). The
// Helm chart renders no certificate: two renders of the same values are identical (GitOps tools see no
// drift), and the certificate is made once, at runtime, by the first replica that starts.
struct ServingSecretOptions {
  std::string namespace_;
  std::string name;
  // The ClusterRole the Secret is owned by (the one the registration is owned by): deleting it, on
  // `helm uninstall`, garbage-collects the Secret. Empty: no owner.
  std::string ownerClusterRole;
  // The field manager this replica creates the Secret as: one per replica (its Pod name), so that a
  // second replica's create conflicts instead of overwriting the first's.
  std::string fieldManager = "agentguard-webhook";
  ServingIdentity identity;
};

// The serving material in the Secret; when there is none, a new CA and certificate (issueSelfSigned)
// created there first. Replicas starting together race on the create: the first wins, the others get
// Conflict and read what it wrote, so every replica serves a certificate of the same CA. A Secret
// that lacks ca.crt, tls.crt or tls.key, or holds something that is not base64, is InvalidArgument naming
// the key and the fix; it is never overwritten.
Result<ServingMaterial> ensureServingSecret(kube::KubeClient& client, const ServingSecretOptions& options,
                                            std::chrono::system_clock::time_point now);

// The Secret object for `material` (type kubernetes.io/tls: tls.crt, tls.key, ca.crt). Pure.
nlohmann::json servingSecret(const ServingSecretOptions& options, const ServingMaterial& material,
                             const nlohmann::json& owner);

// Writes the CA (when caFile is not empty), the key (mode 0600) and the certificate, each replaced whole
// (written beside it, then renamed), so the certificate store never reads half a file. The CA comes
// first: the registration must carry a new CA before the certificate store puts a certificate of it in
// service (CertificateStore::holdNewCertificatesUntil).
Status writeServingFiles(const ServingMaterial& material, const std::string& certFile, const std::string& keyFile,
                         const std::string& caFile);

// Where the webhook serves its certificate from (--tls-cert-file, --tls-private-key-file) and the CA it
// registers (--registration-ca-file).
struct ServingFiles {
  std::string cert, key, ca;
};

// Keeps the serving files equal to the Secret: at start (sync()) and every interval after (start()).
// Deleting the Secret rotates the certificate without a restart: the first replica to look generates
// a new CA and certificate there, every replica writes them to its files, registers the new CA beside
// the old one and then serves the new certificate (the same path a cert-manager renewal takes).
class ServingSecretSync {
 public:
  ServingSecretSync(kube::KubeClient& client, ServingSecretOptions options, ServingFiles files, log::Logger& logger,
                    const time::Clock& clock = time::systemClock());
  ~ServingSecretSync();  // stops

  // One pass: reads (or generates) the Secret and rewrites the files when it differs from what was last
  // written; true when they were written.
  Result<bool> sync();
  void start(std::chrono::milliseconds interval);
  void stop();

 private:
  kube::KubeClient& client_;
  const ServingSecretOptions options_;
  const ServingFiles files_;
  log::Logger& logger_;
  const time::Clock& clock_;
  ServingMaterial written_;
  std::string lastError_;  // logged once per distinct failure
  PeriodicCheck loop_;
};

}  // namespace agentguard::webhook
