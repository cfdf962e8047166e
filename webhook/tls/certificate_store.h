#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/http/server.h"
#include "common/log/logger.h"
#include "common/result/result.h"
#include "webhook/reload/periodic_check.h"

struct ssl_st;  // OpenSSL's connection type
struct stat;

namespace agentguard::webhook {

// What the serving certificate is, for logs, readiness and tests.
struct CertificateInfo {
  std::string serial;   // upper-case hex
  std::string subject;  // one-line distinguished name
  std::chrono::system_clock::time_point notAfter;
};

// The webhook's serving certificate and key, read from files and re-read when they change (cert-manager
// and kubelet Secret volumes replace both files, not always at the same instant). Every new TLS
// connection gets the certificate current at its handshake; established keep-alive connections keep the
// one they started with. A pair that fails to load or does not match (key not yet rewritten) leaves the
// previous pair in service and is retried at the next poll.
class CertificateStore final : public http::TlsContextProvider {
 public:
  CertificateStore(std::string certFile, std::string keyFile, log::Logger& logger);
  ~CertificateStore() override;  // stops watching
  CertificateStore(const CertificateStore&) = delete;
  CertificateStore& operator=(const CertificateStore&) = delete;

  // Reads both files. InvalidArgument when they do not hold a matching PEM certificate and key.
  Status load();
  // Reloads when either file changed (inode, size, modification time, then content); true when a new
  // pair was put in service.
  bool reloadIfChanged();
  // Polls reloadIfChanged() every `interval` on a background thread until stop() or destruction.
  void watch(std::chrono::milliseconds interval);
  void stop();

  bool loaded() const;
  CertificateInfo current() const;
  uint64_t handshakeFailures() const { return handshakeFailures_.load(); }
  uint64_t reloads() const { return reloads_.load(); }
  // Called on the connection's thread for every failed handshake (for a metric). Before serving.
  void onHandshakeFailure(std::function<void()> listener) { handshakeFailureListener_ = std::move(listener); }
  // A reloaded certificate (PEM, leaf first) goes into service only once `trusted` says so; until then
  // the previous pair serves and the files are read again at the next poll. Set before watch(). The
  // webhook's registration uses it so the API server trusts a rotated certificate's CA before any
  // handshake presents it.
  void holdNewCertificatesUntil(std::function<bool(const std::string& certPem)> trusted) {
    trusted_ = std::move(trusted);
  }

  // http::TlsContextProvider: TLS 1.2 or later, forward-secret AEAD ciphers, the current pair, and a
  // per-handshake callback that installs whatever pair is current when the client says hello.
  bool configure(ssl_ctx_st* context) override;

 private:
  struct Material;
  struct FileStamp {
    uint64_t device = 0, inode = 0, size = 0;
    int64_t modifiedNs = 0;
    bool operator==(const FileStamp&) const = default;
  };

  static FileStamp stampOf(const struct ::stat& s);
  static size_t contentHash(const std::string& cert, const std::string& key);
  std::shared_ptr<const Material> material() const;
  Result<std::shared_ptr<const Material>> readPair() const;
  static int selectCertificate(::ssl_st* ssl, void* store);
  static void observeHandshake(const ::ssl_st* ssl, int where, int value);

  const std::string certFile_;
  const std::string keyFile_;
  log::Logger& logger_;

  mutable std::mutex mutex_;
  std::shared_ptr<const Material> material_;
  FileStamp certStamp_, keyStamp_;
  size_t contentHash_ = 0;
  std::string lastError_;  // logged once per distinct failure

  std::atomic<uint64_t> handshakeFailures_{0};
  std::atomic<uint64_t> reloads_{0};
  std::function<void()> handshakeFailureListener_;
  std::function<bool(const std::string&)> trusted_;

  PeriodicCheck watcher_;
};

}  // namespace agentguard::webhook
