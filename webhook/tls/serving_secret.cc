#include "webhook/tls/serving_secret.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/encoding/base64.h"
#include "common/file/file_contents.h"

namespace agentguard::webhook {
namespace {

constexpr std::string_view kManagedBy = "agentguard-webhook";

std::string secretName(const ServingSecretOptions& options) { return options.namespace_ + "/" + options.name; }

Result<ServingMaterial> materialOf(const nlohmann::json& secret, const ServingSecretOptions& options) {
  const nlohmann::json data = secret.value("data", nlohmann::json::object());
  ServingMaterial material;
  const std::pair<const char*, std::string*> keys[] = {
      {"ca.crt", &material.caCert}, {"tls.crt", &material.cert}, {"tls.key", &material.key}};
  for (const auto& [key, out] : keys) {
    const auto found = data.is_object() ? data.find(key) : data.end();
    const std::string fix = "; delete the Secret and restart the webhook Pods to generate a new certificate, or "
                            "put a CA, a certificate it signed and its key there";
    if (found == data.end() || !found->is_string() || found->get_ref<const std::string&>().empty()) {
      return makeError(ErrorCode::kInvalidArgument,
                       "Secret " + secretName(options) + ": data[\"" + key + "\"] is missing or empty" + fix);
    }
    auto decoded = encoding::decodeBase64(found->get_ref<const std::string&>(), encoding::kLenientBase64);
    if (!decoded || decoded->empty()) {
      return makeError(ErrorCode::kInvalidArgument,
                       "Secret " + secretName(options) + ": data[\"" + key + "\"] is not base64" + fix);
    }
    *out = std::move(*decoded);
  }
  return material;
}

Status writeWhole(const std::string& path, const std::string& content, mode_t mode) {
  const std::string temporary = path + ".new";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return makeError(ErrorCode::kUnavailable, temporary + " cannot be written: " + std::strerror(errno));
  if (const int error = file::writeAll(fd, content); error != 0) {
    ::close(fd);
    return makeError(ErrorCode::kUnavailable, temporary + " cannot be written: " + std::strerror(error));
  }
  if (::close(fd) != 0 || std::rename(temporary.c_str(), path.c_str()) != 0) {
    return makeError(ErrorCode::kUnavailable, path + " cannot be written: " + std::strerror(errno));
  }
  return okStatus();
}

}  // namespace

nlohmann::json servingSecret(const ServingSecretOptions& options, const ServingMaterial& material,
                             const nlohmann::json& owner) {
  nlohmann::json metadata = {{"name", options.name},
                             {"namespace", options.namespace_},
                             {"labels", {{"app.kubernetes.io/managed-by", kManagedBy}}}};
  if (!owner.is_null()) metadata["ownerReferences"] = nlohmann::json::array({owner});
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", std::move(metadata)},
          {"type", "kubernetes.io/tls"},
          {"data",
           {{"ca.crt", encoding::encodeBase64(material.caCert)},
            {"tls.crt", encoding::encodeBase64(material.cert)},
            {"tls.key", encoding::encodeBase64(material.key)}}}};
}

Result<ServingMaterial> ensureServingSecret(kube::KubeClient& client, const ServingSecretOptions& options,
                                            std::chrono::system_clock::time_point now) {
  auto existing = client.get(kube::resources::secrets(), options.namespace_, options.name);
  if (existing) return materialOf(*existing, options);
  if (existing.error().code != ErrorCode::kNotFound) return existing.error();

  nlohmann::json owner;
  if (!options.ownerClusterRole.empty()) {
    auto role = client.get(kube::resources::clusterRoles(), "", options.ownerClusterRole);
    if (!role) return role.error();
    owner = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
             {"kind", "ClusterRole"},
             {"name", options.ownerClusterRole},
             {"uid", (*role)["metadata"].value("uid", "")}};
  }
  auto issued = issueSelfSigned(options.identity, now);
  if (!issued) return issued.error();
  // Server-side apply, not POST: RBAC can name the Secret for a create only when the name is in the URL.
  // Each replica applies as its own field manager without force, so a replica that lost the race gets
  // Conflict (the winner's manager owns data with other values) instead of overwriting it.
  kube::WriteOptions write;
  write.fieldManager = options.fieldManager;
  auto created = client.apply(kube::resources::secrets(), options.namespace_, options.name,
                              servingSecret(options, *issued, owner), "", write);
  if (created) return std::move(issued).value();
  if (created.error().code != ErrorCode::kConflict && created.error().code != ErrorCode::kAlreadyExists) {
    return created.error();
  }
  // Another replica created it first: serve what it wrote.
  auto winner = client.get(kube::resources::secrets(), options.namespace_, options.name);
  if (!winner) return winner.error();
  return materialOf(*winner, options);
}

Status writeServingFiles(const ServingMaterial& material, const std::string& certFile, const std::string& keyFile,
                         const std::string& caFile) {
  if (!caFile.empty()) {
    if (Status written = writeWhole(caFile, material.caCert, 0644); !written) return written;
  }
  if (Status written = writeWhole(keyFile, material.key, 0600); !written) return written;
  return writeWhole(certFile, material.cert, 0644);
}

ServingSecretSync::ServingSecretSync(kube::KubeClient& client, ServingSecretOptions options, ServingFiles files,
                                     log::Logger& logger, const time::Clock& clock)
    : client_(client),
      options_(std::move(options)),
      files_(std::move(files)),
      logger_(logger),
      clock_(clock),
      loop_(logger, "Failed to check the serving certificate Secret") {}

ServingSecretSync::~ServingSecretSync() { stop(); }

Result<bool> ServingSecretSync::sync() {
  auto material = ensureServingSecret(client_, options_, clock_.wallNow());
  if (!material) return material.error();
  if (material->caCert == written_.caCert && material->cert == written_.cert && material->key == written_.key) {
    return false;
  }
  if (Status written = writeServingFiles(*material, files_.cert, files_.key, files_.ca); !written) {
    return written.error();
  }
  written_ = std::move(material).value();
  return true;
}

void ServingSecretSync::start(std::chrono::milliseconds interval) {
  loop_.start(interval, [this] {
    auto synced = sync();
    if (!synced) {
      if (synced.error().message != lastError_) {
        lastError_ = synced.error().message;
        logger_.error("Failed to read or create the serving certificate Secret",
                      {{"secret", secretName(options_)}, {"error", lastError_}});
      }
      return;
    }
    lastError_.clear();
    if (*synced) logger_.info("Wrote the serving certificate from its Secret", {{"secret", secretName(options_)}});
  });
}

void ServingSecretSync::stop() { loop_.stop(); }

}  // namespace agentguard::webhook
