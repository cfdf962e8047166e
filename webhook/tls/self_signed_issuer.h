#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result/result.h"

namespace agentguard::webhook {

// A CA and the serving certificate it signed, PEM.
struct ServingMaterial {
  std::string caCert;
  std::string cert;  // the serving certificate (leaf only)
  std::string key;   // its private key, PKCS#8
};

// What the serving certificate is for.
struct ServingIdentity {
  std::string commonName = "agentguard-webhook";  // the CA is "<commonName>-ca"
  std::vector<std::string> dnsNames;   // subjectAltName DNS entries
  std::vector<std::string> ipAddresses;  // subjectAltName IP entries (IPv4 or IPv6 text)
  std::chrono::hours validity = std::chrono::hours(24 * 3650);
};

// The identity for `names` (DNS names and IP addresses, told apart by whether they parse as an IP
// address). The common name stays "agentguard-webhook": clients match subjectAltName only, and a
// Service's DNS name can be longer than the 64 characters a common name may hold.
ServingIdentity servingIdentityFor(const std::vector<std::string>& names, std::chrono::hours validity);

// Generates a fresh ECDSA P-256 CA and a serving certificate for `identity` signed by it, both valid from
// a minute before `now` (clock skew) for identity.validity. The CA's key is not kept: nothing else is
// ever signed with it, and a new pair comes with a new CA. InvalidArgument for an IP address that does
// not parse; Internal when OpenSSL fails.
Result<ServingMaterial> issueSelfSigned(const ServingIdentity& identity, std::chrono::system_clock::time_point now);

}  // namespace agentguard::webhook
