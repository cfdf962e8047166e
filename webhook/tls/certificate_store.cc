#include "webhook/tls/certificate_store.h"

#include <sys/stat.h>

#include <vector>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/file/file_contents.h"

namespace agentguard::webhook {
namespace {

constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// The first error on OpenSSL's queue, and the queue emptied.
std::string openSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

// Where the store is kept on each SSL_CTX. Not the app data slot: Boost.Asio keeps its verify callback
// there and deletes whatever it finds when the context dies.
int storeIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

size_t CertificateStore::contentHash(const std::string& cert, const std::string& key) {
  return std::hash<std::string>{}(cert) ^ (std::hash<std::string>{}(key) * 31u);
}

CertificateStore::FileStamp CertificateStore::stampOf(const struct stat& s) {
  return FileStamp{static_cast<uint64_t>(s.st_dev), static_cast<uint64_t>(s.st_ino), static_cast<uint64_t>(s.st_size),
                   static_cast<int64_t>(s.st_mtim.tv_sec) * 1000000000 + s.st_mtim.tv_nsec};
}

struct CertificateStore::Material {
  X509Ptr certificate;
  std::vector<X509Ptr> chain;  // intermediates after the leaf, in file order
  KeyPtr key;
  CertificateInfo info;
};

CertificateStore::CertificateStore(std::string certFile, std::string keyFile, log::Logger& logger)
    : certFile_(std::move(certFile)), keyFile_(std::move(keyFile)), logger_(logger),
      watcher_(logger, "Failed to check the serving certificate files") {}

CertificateStore::~CertificateStore() { stop(); }

Result<std::shared_ptr<const CertificateStore::Material>> CertificateStore::readPair() const {
  auto certText = file::readFileContents(certFile_, "certificate");
  if (!certText) return certText.error();
  auto keyText = file::readFileContents(keyFile_, "private key");
  if (!keyText) return keyText.error();

  auto material = std::make_shared<Material>();
  BioPtr certBio(BIO_new_mem_buf(certText->data(), static_cast<int>(certText->size())));
  material->certificate.reset(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
  if (!material->certificate) {
    return makeError(ErrorCode::kInvalidArgument, certFile_ + " holds no PEM certificate: " + openSslError());
  }
  while (X509* next = PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr)) material->chain.emplace_back(next);
  ERR_clear_error();  // the end of the file reads as an error

  BioPtr keyBio(BIO_new_mem_buf(keyText->data(), static_cast<int>(keyText->size())));
  material->key.reset(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  if (!material->key) {
    return makeError(ErrorCode::kInvalidArgument, keyFile_ + " holds no PEM private key: " + openSslError());
  }
  if (X509_check_private_key(material->certificate.get(), material->key.get()) != 1) {
    ERR_clear_error();
    return makeError(ErrorCode::kInvalidArgument,
                     "the private key in " + keyFile_ + " does not match the certificate in " + certFile_);
  }

  CertificateInfo& info = material->info;
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(material->certificate.get()), nullptr)) {
    if (char* hex = BN_bn2hex(serial)) {
      info.serial = hex;
      OPENSSL_free(hex);
    }
    BN_free(serial);
  }
  if (char* subject = X509_NAME_oneline(X509_get_subject_name(material->certificate.get()), nullptr, 0)) {
    info.subject = subject;
    OPENSSL_free(subject);
  }
  struct tm notAfter {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(material->certificate.get()), &notAfter) == 1) {
    info.notAfter = std::chrono::system_clock::from_time_t(timegm(&notAfter));
  }
  return std::shared_ptr<const Material>(std::move(material));
}

Status CertificateStore::load() {
  struct stat certStat {};
  struct stat keyStat {};
  const bool stamped = ::stat(certFile_.c_str(), &certStat) == 0 && ::stat(keyFile_.c_str(), &keyStat) == 0;
  auto pair = readPair();
  if (!pair) return pair.error();
  auto certText = file::readFileContents(certFile_, "certificate");
  auto keyText = file::readFileContents(keyFile_, "private key");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    material_ = *pair;
    if (stamped) {
      certStamp_ = stampOf(certStat);
      keyStamp_ = stampOf(keyStat);
    }
    contentHash_ = certText && keyText ? contentHash(*certText, *keyText) : 0;
    lastError_.clear();
  }
  const auto info = (*pair)->info;
  logger_.info("Loaded serving certificate",
               {{"certFile", certFile_},
                {"serial", info.serial},
                {"subject", info.subject},
                {"notAfter", std::chrono::duration_cast<std::chrono::seconds>(info.notAfter.time_since_epoch()).count()}});
  return okStatus();
}

bool CertificateStore::reloadIfChanged() {
  struct stat certStat {};
  struct stat keyStat {};
  if (::stat(certFile_.c_str(), &certStat) != 0 || ::stat(keyFile_.c_str(), &keyStat) != 0) return false;
  const FileStamp certStamp = stampOf(certStat);
  const FileStamp keyStamp = stampOf(keyStat);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (material_ && certStamp == certStamp_ && keyStamp == keyStamp_) return false;
  }
  auto certText = file::readFileContents(certFile_, "certificate");
  auto keyText = file::readFileContents(keyFile_, "private key");
  if (!certText || !keyText) return false;
  const size_t hash = contentHash(*certText, *keyText);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (material_ && hash == contentHash_) {  // touched, not changed
      certStamp_ = certStamp;
      keyStamp_ = keyStamp;
      return false;
    }
  }
  auto pair = readPair();
  if (!pair) {
    std::lock_guard<std::mutex> lock(mutex_);
    // Usually the certificate has been replaced and the key not yet: say so once, retry next poll.
    if (pair.error().message != lastError_) {
      lastError_ = pair.error().message;
      logger_.warn("Kept the previous serving certificate; the new files do not load yet",
                   {{"error", pair.error().message}});
    }
    return false;
  }
  if (trusted_ && !trusted_(*certText)) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string waiting = "waiting for the registration to trust serial " + (*pair)->info.serial;
    if (waiting != lastError_) {
      lastError_ = waiting;
      logger_.info("Holding the new serving certificate until the API server trusts its CA",
                   {{"serial", (*pair)->info.serial}});
    }
    return false;
  }
  const auto info = (*pair)->info;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    material_ = *pair;
    certStamp_ = certStamp;
    keyStamp_ = keyStamp;
    contentHash_ = hash;
    lastError_.clear();
  }
  reloads_.fetch_add(1);
  logger_.info("Reloaded serving certificate",
               {{"certFile", certFile_},
                {"serial", info.serial},
                {"subject", info.subject},
                {"notAfter", std::chrono::duration_cast<std::chrono::seconds>(info.notAfter.time_since_epoch()).count()}});
  return true;
}

void CertificateStore::watch(std::chrono::milliseconds interval) {
  watcher_.start(interval, [this] { reloadIfChanged(); });
}

void CertificateStore::stop() { watcher_.stop(); }

std::shared_ptr<const CertificateStore::Material> CertificateStore::material() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return material_;
}

bool CertificateStore::loaded() const { return material() != nullptr; }

CertificateInfo CertificateStore::current() const {
  const auto pair = material();
  return pair ? pair->info : CertificateInfo{};
}

int CertificateStore::selectCertificate(SSL* ssl, void* store) {
  const auto pair = static_cast<CertificateStore*>(store)->material();
  if (!pair) return 0;
  STACK_OF(X509)* chain = sk_X509_new_null();
  for (const auto& certificate : pair->chain) sk_X509_push(chain, certificate.get());
  // Copies (references) what it needs; `chain` itself is ours to free.
  const int installed = SSL_use_cert_and_key(ssl, pair->certificate.get(), pair->key.get(), chain, 1);
  sk_X509_free(chain);
  return installed == 1 ? 1 : 0;
}

void CertificateStore::observeHandshake(const SSL* ssl, int where, int value) {
  // A fatal alert, sent or received, before the handshake finished: the handshake failed.
  if ((where & SSL_CB_ALERT) == 0 || (value >> 8) != SSL3_AL_FATAL || SSL_is_init_finished(ssl)) return;
  auto* store = static_cast<CertificateStore*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), storeIndex()));
  if (store == nullptr) return;
  store->handshakeFailures_.fetch_add(1);
  if (store->handshakeFailureListener_) store->handshakeFailureListener_();
}

bool CertificateStore::configure(ssl_ctx_st* context) {
  const auto pair = material();
  if (!pair || context == nullptr) return false;
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_options(context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(context, kTls12Ciphers) != 1 ||
      SSL_CTX_use_certificate(context, pair->certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(context, pair->key.get()) != 1) {
    logger_.error("Failed to configure a TLS context", {{"error", openSslError()}});
    return false;
  }
  SSL_CTX_set_ex_data(context, storeIndex(), this);
  SSL_CTX_set_cert_cb(context, &CertificateStore::selectCertificate, this);
  SSL_CTX_set_info_callback(context, &CertificateStore::observeHandshake);
  return true;
}

}  // namespace agentguard::webhook
