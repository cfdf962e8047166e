#include "webhook/tls/self_signed_issuer.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace agentguard::webhook {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertificateFree {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertificatePtr = std::unique_ptr<X509, CertificateFree>;

Error openSslFailed(const std::string& what) {
  return makeError(ErrorCode::kInternal, "OpenSSL could not " + what);
}

Result<KeyPtr> newP256Key() {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return openSslFailed("generate an ECDSA P-256 key");
  return key;
}

// Adds one X.509v3 extension given in OpenSSL's configuration syntax.
bool addExtension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A certificate for `commonName` and `key`, valid from `now` - 1 minute for `validity`, with a random
// 127-bit serial; not yet signed.
Result<CertificatePtr> newCertificate(const std::string& commonName, EVP_PKEY* key,
                                      std::chrono::system_clock::time_point now, std::chrono::hours validity) {
  CertificatePtr certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), 2) != 1) return openSslFailed("make a certificate");
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return openSslFailed("draw a serial number");
  serial[0] &= 0x7Fu;  // positive
  std::unique_ptr<BIGNUM, decltype(&BN_free)> number(BN_bin2bn(serial, sizeof(serial), nullptr), BN_free);
  if (!number || BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate.get())) == nullptr) {
    return openSslFailed("set a serial number");
  }
  const std::time_t start = std::chrono::system_clock::to_time_t(now - std::chrono::minutes(1));
  const long seconds = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(validity).count());
  if (ASN1_TIME_set(X509_getm_notBefore(certificate.get()), start) == nullptr ||
      ASN1_TIME_adj(X509_getm_notAfter(certificate.get()), start, 0, seconds) == nullptr) {
    return openSslFailed("set the validity");
  }
  X509_NAME* name = X509_get_subject_name(certificate.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(commonName.c_str()),
                                 -1, -1, 0) != 1 ||
      X509_set_pubkey(certificate.get(), key) != 1) {
    return openSslFailed("set the subject " + commonName);
  }
  return certificate;
}

Result<std::string> pemOf(X509* certificate) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1) return openSslFailed("write a certificate as PEM");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

Result<std::string> pemOf(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openSslFailed("write a private key as PKCS#8 PEM");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

bool isIpAddress(const std::string& text) {
  ASN1_OCTET_STRING* parsed = a2i_IPADDRESS(text.c_str());
  if (parsed == nullptr) return false;
  ASN1_OCTET_STRING_free(parsed);
  return true;
}

}  // namespace

ServingIdentity servingIdentityFor(const std::vector<std::string>& names, std::chrono::hours validity) {
  ServingIdentity identity;
  identity.validity = validity;
  for (const auto& name : names) (isIpAddress(name) ? identity.ipAddresses : identity.dnsNames).push_back(name);
  return identity;
}

Result<ServingMaterial> issueSelfSigned(const ServingIdentity& identity, std::chrono::system_clock::time_point now) {
  std::string subjectAltNames;
  for (const auto& dns : identity.dnsNames) {
    if (dns.empty() || dns.find_first_of(",\n\r") != std::string::npos) {
      return makeError(ErrorCode::kInvalidArgument, "\"" + dns + "\" is not a DNS name for the serving certificate");
    }
    subjectAltNames += (subjectAltNames.empty() ? "DNS:" : ",DNS:") + dns;
  }
  for (const auto& ip : identity.ipAddresses) {
    if (!isIpAddress(ip)) {
      return makeError(ErrorCode::kInvalidArgument, "\"" + ip + "\" is not an IP address for the serving certificate");
    }
    subjectAltNames += (subjectAltNames.empty() ? "IP:" : ",IP:") + ip;
  }
  if (subjectAltNames.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "the serving certificate needs at least one DNS name or IP address");
  }

  auto caKey = newP256Key();
  if (!caKey) return caKey.error();
  auto ca = newCertificate(identity.commonName + "-ca", caKey->get(), now, identity.validity);
  if (!ca) return ca.error();
  if (X509_set_issuer_name(ca->get(), X509_get_subject_name(ca->get())) != 1 ||
      !addExtension(ca->get(), ca->get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !addExtension(ca->get(), ca->get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !addExtension(ca->get(), ca->get(), NID_subject_key_identifier, "hash") ||
      X509_sign(ca->get(), caKey->get(), EVP_sha256()) == 0) {
    return openSslFailed("sign the CA certificate");
  }

  auto key = newP256Key();
  if (!key) return key.error();
  auto cert = newCertificate(identity.commonName, key->get(), now, identity.validity);
  if (!cert) return cert.error();
  if (X509_set_issuer_name(cert->get(), X509_get_subject_name(ca->get())) != 1 ||
      !addExtension(cert->get(), ca->get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !addExtension(cert->get(), ca->get(), NID_key_usage, "critical,digitalSignature") ||
      !addExtension(cert->get(), ca->get(), NID_ext_key_usage, "serverAuth") ||
      !addExtension(cert->get(), ca->get(), NID_authority_key_identifier, "keyid:always") ||
      !addExtension(cert->get(), ca->get(), NID_subject_alt_name, subjectAltNames) ||
      X509_sign(cert->get(), caKey->get(), EVP_sha256()) == 0) {
    return openSslFailed("sign the serving certificate");
  }

  ServingMaterial material;
  auto caPem = pemOf(ca->get());
  auto certPem = pemOf(cert->get());
  auto keyPem = pemOf(key->get());
  if (!caPem) return caPem.error();
  if (!certPem) return certPem.error();
  if (!keyPem) return keyPem.error();
  material.caCert = std::move(*caPem);
  material.cert = std::move(*certPem);
  material.key = std::move(*keyPem);
  return material;
}

}  // namespace agentguard::webhook
