#include "tests/support/scratch_dir.h"
#include "webhook/tls/serving_secret.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include "common/encoding/base64.h"
#include "common/file/file_contents.h"

namespace agentguard::webhook {
namespace {

using ::testing::HasSubstr;

// Secrets and ClusterRoles in maps; a create of a name another "replica" took in the meantime answers
// AlreadyExists, as the API server does.
class SecretStore final : public kube::KubeClient {
 public:
  Result<nlohmann::json> get(const kube::Resource& resource, std::string_view ns, std::string_view name,
                             std::string_view) override {
    ++gets;
    const auto& objects = resource.resource == "clusterroles" ? clusterRoles : secrets;
    const auto found = objects.find(std::string(ns) + "/" + std::string(name));
    if (found == objects.end()) return makeError(ErrorCode::kNotFound, std::string(name) + " not found");
    return found->second;
  }
  Result<nlohmann::json> create(const kube::Resource&, std::string_view, const nlohmann::json&,
                                const kube::WriteOptions&) override {
    return unsupported();
  }
  Result<kube::ObjectList> list(const kube::Resource&, std::string_view, const kube::ListOptions&) override {
    return unsupported();
  }
  Result<nlohmann::json> replace(const kube::Resource&, std::string_view, std::string_view, const nlohmann::json&,
                                 std::string_view, const kube::WriteOptions&) override {
    return unsupported();
  }
  Result<nlohmann::json> mergePatch(const kube::Resource&, std::string_view, std::string_view, const nlohmann::json&,
                                    std::string_view, const kube::WriteOptions&) override {
    return unsupported();
  }
  // Server-side apply as the API server does it for these calls: creates, or conflicts when another
  // field manager owns the data with other values.
  Result<nlohmann::json> apply(const kube::Resource& resource, std::string_view ns, std::string_view name,
                               const nlohmann::json& body, std::string_view, const kube::WriteOptions& options) override {
    if (resource.resource != "secrets") return unsupported();
    ++creates;
    managers.push_back(options.fieldManager);
    EXPECT_FALSE(options.force) << "a create must never take over another replica's Secret";
    const std::string key = std::string(ns) + "/" + std::string(name);
    if (racingReplica) secrets[key] = *racingReplica;
    if (secrets.count(key) != 0 && secrets[key]["data"] != body["data"]) {
      return makeError(ErrorCode::kConflict, "Apply failed with 3 conflicts: conflicts with \"other\"");
    }
    secrets[key] = body;
    return body;
  }
  Status remove(const kube::Resource&, std::string_view, std::string_view, const kube::DeleteOptions&) override {
    return unsupported();
  }
  Status watch(const kube::Resource&, std::string_view, const kube::WatchOptions&,
               const std::function<bool(kube::WatchEvent&&)>&, const kube::StopSignal&) override {
    return unsupported();
  }

  std::map<std::string, nlohmann::json> secrets, clusterRoles;
  std::optional<nlohmann::json> racingReplica;  // what another replica creates just before this one
  int gets = 0, creates = 0;
  std::vector<std::string> managers;

 private:
  static Error unsupported() { return makeError(ErrorCode::kInternal, "not supported by this fake"); }
};

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using CertificatePtr = std::unique_ptr<X509, X509Free>;

CertificatePtr parse(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return CertificatePtr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

ServingSecretOptions options() {
  ServingSecretOptions o;
  o.namespace_ = "guard";
  o.name = "r-agentguard-webhook-tls";
  o.ownerClusterRole = "r-agentguard-webhook";
  o.fieldManager = "agentguard-webhook/r-agentguard-webhook-5d8f-abcde";
  o.identity = servingIdentityFor({"r-agentguard-webhook.guard.svc", "127.0.0.1"}, std::chrono::hours(48));
  return o;
}

const auto kNow = std::chrono::system_clock::time_point(std::chrono::hours(24 * 20000));

TEST(SelfSignedIssuerTest, TheCertificateIsForTheNamesAndSignedByTheCa) {
  const auto identity = servingIdentityFor({"webhook.guard.svc", "127.0.0.1", "::1"}, std::chrono::hours(48));
  EXPECT_EQ(identity.dnsNames, std::vector<std::string>{"webhook.guard.svc"});
  EXPECT_EQ(identity.ipAddresses, (std::vector<std::string>{"127.0.0.1", "::1"}));
  auto material = issueSelfSigned(identity, std::chrono::system_clock::now());
  ASSERT_TRUE(material.ok()) << material.error().message;
  auto ca = parse(material->caCert);
  auto cert = parse(material->cert);
  ASSERT_TRUE(ca && cert);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> caKey(X509_get_pubkey(ca.get()), EVP_PKEY_free);
  EXPECT_EQ(X509_verify(cert.get(), caKey.get()), 1) << "not signed by the CA";
  EXPECT_EQ(X509_check_host(cert.get(), "webhook.guard.svc", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "other.guard.svc", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  std::unique_ptr<BIO, decltype(&BIO_free)> keyBio(
      BIO_new_mem_buf(material->key.data(), static_cast<int>(material->key.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  ASSERT_TRUE(key);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  // Valid now, for the validity asked.
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(cert.get())), 0);
  int days = 0, seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert.get()), X509_get0_notAfter(cert.get())), 1);
  EXPECT_EQ(days, 2);

  auto again = issueSelfSigned(identity, std::chrono::system_clock::now());
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->caCert, material->caCert) << "every issue makes a new CA";
}

TEST(SelfSignedIssuerTest, RefusesAnIdentityWithoutNames) {
  auto none = issueSelfSigned(servingIdentityFor({}, std::chrono::hours(48)), kNow);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message, HasSubstr("at least one DNS name or IP address"));
  ServingIdentity injected = servingIdentityFor({"a.svc,DNS:evil.example"}, std::chrono::hours(48));
  auto refused = issueSelfSigned(injected, kNow);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("is not a DNS name"));
}

TEST(ServingSecretTest, TheFirstReplicaCreatesTheSecretOwnedByTheClusterRole) {
  SecretStore cluster;
  cluster.clusterRoles["/r-agentguard-webhook"] = {{"metadata", {{"uid", "role-uid"}}}};
  auto material = ensureServingSecret(cluster, options(), std::chrono::system_clock::now());
  ASSERT_TRUE(material.ok()) << material.error().message;
  ASSERT_EQ(cluster.creates, 1);
  EXPECT_EQ(cluster.managers, std::vector<std::string>{"agentguard-webhook/r-agentguard-webhook-5d8f-abcde"});
  const auto& secret = cluster.secrets.at("guard/r-agentguard-webhook-tls");
  EXPECT_EQ(secret["type"], "kubernetes.io/tls");
  EXPECT_EQ(secret["metadata"]["ownerReferences"][0]["uid"], "role-uid");
  EXPECT_EQ(secret["metadata"]["ownerReferences"][0]["kind"], "ClusterRole");
  EXPECT_EQ(encoding::decodeBase64(secret["data"]["tls.crt"].get<std::string>(), encoding::kStrictBase64),
            material->cert);
  EXPECT_EQ(encoding::decodeBase64(secret["data"]["ca.crt"].get<std::string>(), encoding::kStrictBase64),
            material->caCert);

  // The next replica (or a restart) reads it: the same CA, nothing created.
  auto second = ensureServingSecret(cluster, options(), std::chrono::system_clock::now());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(cluster.creates, 1);
  EXPECT_EQ(second->caCert, material->caCert);
  EXPECT_EQ(second->key, material->key);
}

TEST(ServingSecretTest, ALosingReplicaServesTheWinnersCertificate) {
  SecretStore cluster;
  cluster.clusterRoles["/r-agentguard-webhook"] = {{"metadata", {{"uid", "role-uid"}}}};
  auto winner = issueSelfSigned(options().identity, std::chrono::system_clock::now());
  ASSERT_TRUE(winner.ok());
  cluster.racingReplica = servingSecret(options(), *winner, nullptr);
  auto material = ensureServingSecret(cluster, options(), std::chrono::system_clock::now());
  ASSERT_TRUE(material.ok()) << material.error().message;
  EXPECT_EQ(material->caCert, winner->caCert);
  EXPECT_EQ(material->cert, winner->cert);
}

TEST(ServingSecretTest, ABrokenSecretIsNamedAndNeverOverwritten) {
  SecretStore cluster;
  cluster.secrets["guard/r-agentguard-webhook-tls"] = {
      {"data", {{"ca.crt", encoding::encodeBase64("ca")}, {"tls.crt", encoding::encodeBase64("cert")}}}};
  auto missing = ensureServingSecret(cluster, options(), kNow);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(missing.error().message, HasSubstr("Secret guard/r-agentguard-webhook-tls: data[\"tls.key\"] is missing"));
  EXPECT_THAT(missing.error().message, HasSubstr("delete the Secret and restart the webhook Pods"));
  cluster.secrets["guard/r-agentguard-webhook-tls"]["data"]["tls.key"] = "%%%";
  auto garbled = ensureServingSecret(cluster, options(), kNow);
  ASSERT_FALSE(garbled.ok());
  EXPECT_THAT(garbled.error().message, HasSubstr("data[\"tls.key\"] is not base64"));
  EXPECT_EQ(cluster.creates, 0);
}

TEST(ServingSecretTest, WithoutTheOwnerNothingIsCreated) {
  SecretStore cluster;  // the ClusterRole is gone: uninstalling
  auto material = ensureServingSecret(cluster, options(), kNow);
  ASSERT_FALSE(material.ok());
  EXPECT_EQ(material.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(cluster.creates, 0);
}

TEST(ServingSecretTest, WritesTheFilesWhole) {
  const agentguard::testing::ScratchDir dir("serving-secret");
  const ServingMaterial material{"CA PEM", "CERT PEM", "KEY PEM"};
  ASSERT_TRUE(writeServingFiles(material, (dir / "tls.crt").string(), (dir / "tls.key").string(),
                                (dir / "ca.crt").string())
                  .ok());
  EXPECT_EQ(*file::readFileContents((dir / "tls.crt").string(), "cert"), "CERT PEM");
  EXPECT_EQ(*file::readFileContents((dir / "tls.key").string(), "key"), "KEY PEM");
  EXPECT_EQ(*file::readFileContents((dir / "ca.crt").string(), "ca"), "CA PEM");
  EXPECT_EQ(std::filesystem::status(dir / "tls.key").permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  EXPECT_FALSE(std::filesystem::exists(dir / "tls.crt.new"));
}

// Deleting the Secret is the rotation: the next pass generates a new CA and certificate and rewrites
// the files; passes in between write nothing.
TEST(ServingSecretSyncTest, ADeletedSecretIsGeneratedAgainAndWritten) {
  const agentguard::testing::ScratchDir dir("serving-sync");
  SecretStore cluster;
  cluster.clusterRoles["/r-agentguard-webhook"] = {{"metadata", {{"uid", "role-uid"}}}};
  std::ostringstream logs;
  log::Logger logger(logs, log::Level::kInfo, "webhook");
  const ServingFiles files{(dir / "tls.crt").string(), (dir / "tls.key").string(), (dir / "ca.crt").string()};
  ServingSecretSync sync(cluster, options(), files, logger);

  auto first = sync.sync();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  const std::string firstCa = *file::readFileContents(files.ca, "ca");
  EXPECT_THAT(firstCa, HasSubstr("BEGIN CERTIFICATE"));
  auto unchanged = sync.sync();
  ASSERT_TRUE(unchanged.ok());
  EXPECT_FALSE(*unchanged);
  EXPECT_EQ(cluster.creates, 1);

  cluster.secrets.clear();
  auto rotated = sync.sync();
  ASSERT_TRUE(rotated.ok()) << rotated.error().message;
  EXPECT_TRUE(*rotated);
  EXPECT_NE(*file::readFileContents(files.ca, "ca"), firstCa);
  auto served = parse(*file::readFileContents(files.cert, "cert"));
  auto ca = parse(*file::readFileContents(files.ca, "ca"));
  ASSERT_TRUE(served && ca);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> caKey(X509_get_pubkey(ca.get()), EVP_PKEY_free);
  EXPECT_EQ(X509_verify(served.get(), caKey.get()), 1) << "the files hold a certificate of another CA";
}

}  // namespace
}  // namespace agentguard::webhook
