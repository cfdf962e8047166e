#include "webhook/registration/webhook_registration.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <utility>

#include "common/decision/digest.h"
#include "common/encoding/base64.h"
#include "common/file/file_contents.h"
#include "common/kube/resource.h"

namespace agentguard::webhook {

namespace {

constexpr std::string_view kFieldManager = "agentguard-webhook";
// The digest of the template a registration was written from: the API server adds defaults to what
// it stores, so the stored webhooks never equal the template; this says whether it is current.
constexpr std::string_view kTemplateDigestAnnotation = "agentguard.io/registration-template-sha256";
constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";

// The PEM certificate blocks of `pem`, each from BEGIN to END inclusive, in order.
std::vector<std::string> certificateBlocks(std::string_view pem) {
  std::vector<std::string> blocks;
  size_t at = 0;
  while ((at = pem.find(kBegin, at)) != std::string_view::npos) {
    const size_t end = pem.find(kEnd, at);
    if (end == std::string_view::npos) break;
    blocks.emplace_back(pem.substr(at, end + kEnd.size() - at));
    at = end + kEnd.size();
  }
  return blocks;
}

// Equal PEM blocks up to line breaks and spaces.
std::string normalized(std::string_view block) {
  std::string out;
  for (char c : block) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') out += c;
  }
  return out;
}

bool holds(const std::vector<std::string>& blocks, const std::string& block) {
  for (const auto& b : blocks) {
    if (normalized(b) == normalized(block)) return true;
  }
  return false;
}

// The PEM bundle of a registration's first webhook; "" when there is none.
std::string registeredBundle(const nlohmann::json& registration) {
  if (!registration.is_object()) return "";
  const auto& webhooks = registration.value("webhooks", nlohmann::json::array());
  if (!webhooks.is_array() || webhooks.empty() || !webhooks[0].is_object()) return "";
  const auto& clientConfig = webhooks[0].value("clientConfig", nlohmann::json::object());
  if (!clientConfig.is_object()) return "";
  const auto bundle = clientConfig.value("caBundle", std::string());
  return encoding::decodeBase64(bundle, encoding::kStrictBase64).value_or("");
}

// Whether `stored` says everything `wanted` says: every member `wanted` sets is in `stored` with that value
// (recursively; arrays element by element). Members only `stored` has are the API server's defaults.
bool holdsAll(const nlohmann::json& stored, const nlohmann::json& wanted) {
  if (wanted.is_object()) {
    if (!stored.is_object()) return false;
    for (const auto& [key, value] : wanted.items()) {
      const auto found = stored.find(key);
      if (found == stored.end() || !holdsAll(*found, value)) return false;
    }
    return true;
  }
  if (wanted.is_array()) {
    if (!stored.is_array() || stored.size() != wanted.size()) return false;
    for (size_t i = 0; i < wanted.size(); ++i) {
      if (!holdsAll(stored[i], wanted[i])) return false;
    }
    return true;
  }
  return stored == wanted;
}

// Whether a stored webhook narrows what it sees beyond `wanted`: a selector or match condition the
// template does not set. The API server defaults absent selectors to {} and conditions to none, so
// anything else was added by somebody else, and would let objects past the webhook.
bool narrowedBeyond(const nlohmann::json& stored, const nlohmann::json& wanted) {
  for (const char* selector : {"namespaceSelector", "objectSelector"}) {
    if (wanted.contains(selector)) continue;
    const auto found = stored.find(selector);
    if (found != stored.end() && !(found->is_object() && found->empty())) return true;
  }
  if (wanted.contains("matchConditions")) return false;
  const auto conditions = stored.find("matchConditions");
  return conditions != stored.end() && !(conditions->is_array() && conditions->empty());
}

// The stored registration already says what `desired` says: same template, owner and bundle, and every
// webhook as the template writes it (an edit in place that kept the template's annotation is undone).
bool isCurrent(const nlohmann::json& existing, const nlohmann::json& desired) {
  if (!existing.is_object() || !existing.contains("metadata")) return false;
  const auto& metadata = existing["metadata"];
  const auto annotations = metadata.value("annotations", nlohmann::json::object());
  const auto& wanted = desired.at("metadata");
  if (!annotations.is_object() || annotations.value(std::string(kTemplateDigestAnnotation), "") !=
                                      wanted.at("annotations").at(std::string(kTemplateDigestAnnotation))) {
    return false;
  }
  if (metadata.value("ownerReferences", nlohmann::json()) != wanted.at("ownerReferences")) return false;
  const auto& webhooks = existing.value("webhooks", nlohmann::json::array());
  const auto& wantedWebhooks = desired.at("webhooks");
  if (!webhooks.is_array() || webhooks.size() != wantedWebhooks.size()) return false;
  for (size_t i = 0; i < webhooks.size(); ++i) {
    if (!holdsAll(webhooks[i], wantedWebhooks[i]) || narrowedBeyond(webhooks[i], wantedWebhooks[i])) return false;
  }
  return true;
}

// The bundle to register: see desiredRegistration.
std::string bundleFor(const std::string& ownCa, const nlohmann::json& existing) {
  const std::string registered = registeredBundle(existing);
  const auto previous = certificateBlocks(registered);
  if (holds(previous, ownCa)) return registered;
  std::string bundle = ownCa + "\n";
  if (!previous.empty()) bundle += previous.front() + "\n";
  return bundle;
}

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

X509Ptr parseCertificate(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, X509_free);
}

// Whether one of the CAs in `bundlePem` issued and signed the first certificate of `certPem`.
bool signedByOneOf(const std::string& certPem, const std::string& bundlePem) {
  const auto leaf = parseCertificate(certPem);
  if (!leaf) return false;
  for (const auto& block : certificateBlocks(bundlePem)) {
    const auto ca = parseCertificate(block);
    if (ca && X509_check_issued(ca.get(), leaf.get()) == X509_V_OK && X509_verify(leaf.get(), X509_get0_pubkey(ca.get())) == 1) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<nlohmann::json> desiredRegistration(const nlohmann::json& templ, const std::string& caPem,
                                           const nlohmann::json& existing, const nlohmann::json& owner) {
  if (!templ.is_object() || templ.value("kind", "") != "ValidatingWebhookConfiguration" ||
      !templ.contains("metadata") || templ["metadata"].value("name", "").empty() ||
      !templ.contains("webhooks") || !templ["webhooks"].is_array() || templ["webhooks"].empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "the registration template is not a ValidatingWebhookConfiguration with a name and webhooks");
  }
  const auto cas = certificateBlocks(caPem);
  if (cas.empty()) return makeError(ErrorCode::kInvalidArgument, "the CA file holds no PEM certificate");

  nlohmann::json desired = templ;
  desired["apiVersion"] = "admissionregistration.k8s.io/v1";
  desired["metadata"].erase("resourceVersion");
  desired["metadata"]["annotations"][std::string(kTemplateDigestAnnotation)] = decision::sha256Hex(templ.dump());
  desired["metadata"]["ownerReferences"] = nlohmann::json::array({owner});
  const std::string bundle = encoding::encodeBase64(bundleFor(cas.front(), existing));
  for (auto& entry : desired["webhooks"]) entry["clientConfig"]["caBundle"] = bundle;
  return desired;
}

WebhookRegistration::WebhookRegistration(kube::KubeClient& client, RegistrationOptions options,
                                         std::function<bool()> ready, log::Logger& logger,
                                         std::chrono::milliseconds settle)
    : client_(client),
      options_(std::move(options)),
      ready_(std::move(ready)),
      logger_(logger),
      settle_(settle),
      loop_(logger, "Failed to register the webhook") {}

bool WebhookRegistration::trusts(const std::string& certPem) const {
  if (!registered_.load()) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  return std::chrono::steady_clock::now() - bundleSince_ >= settle_ && signedByOneOf(certPem, bundle_);
}

WebhookRegistration::~WebhookRegistration() { stop(); }

Status WebhookRegistration::reconcile() {
  if (!ready_()) return {};
  Status status = registerOnce();
  if (status) {
    registered_ = true;
    lastError_.clear();
  } else if (status.error().message != lastError_) {
    lastError_ = status.error().message;
    logger_.warn("Failed to register the webhook; retrying", {{"error", lastError_}});
  }
  return status;
}

// One pass: the template, the CA and the owning ClusterRole read afresh; the registration written when it
// is not what they make.
Status WebhookRegistration::registerOnce() {
  auto text = file::readFileContents(options_.templateFile, "registration template");
  if (!text) return text.error();
  const auto templ = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (templ.is_discarded()) {
    return makeError(ErrorCode::kInvalidArgument, "registration template " + options_.templateFile + " is not JSON");
  }
  auto ca = file::readFileContents(options_.caFile, "CA file");
  if (!ca) return ca.error();
  const std::string name = templ.is_object() && templ.contains("metadata") ? templ["metadata"].value("name", "") : "";

  auto role = client_.get(kube::resources::clusterRoles(), "", options_.ownerClusterRole);
  if (!role) return role.error();
  const nlohmann::json owner = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                                {"kind", "ClusterRole"},
                                {"name", options_.ownerClusterRole},
                                {"uid", (*role)["metadata"].value("uid", "")}};

  nlohmann::json existing;  // null when not registered
  if (!name.empty()) {
    auto current = client_.get(kube::resources::validatingWebhookConfigurations(), "", name);
    if (current) {
      existing = std::move(*current);
    } else if (current.error().code != ErrorCode::kNotFound) {
      return current.error();
    }
  }
  auto desired = desiredRegistration(templ, *ca, existing, owner);
  if (!desired) return desired.error();
  if (!isCurrent(existing, *desired)) {
    if (Status written = writeRegistration(name, existing, *desired); !written) return written;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (const std::string bundle = registeredBundle(*desired); bundle != bundle_) {
    bundle_ = bundle;
    bundleSince_ = std::chrono::steady_clock::now();
  }
  return {};
}

// Writes `desired` over `existing` (null: not registered) and logs what it did.
Status WebhookRegistration::writeRegistration(const std::string& name, const nlohmann::json& existing,
                                              nlohmann::json desired) {
  kube::WriteOptions options;
  options.fieldManager = std::string(kFieldManager);
  Result<nlohmann::json> written = nlohmann::json();
  if (existing.is_object()) {
    // A replace, not an apply: fields another manager added (a selector that lets objects past the
    // webhook) go too. A concurrent change makes it a conflict, retried on the next pass.
    desired["metadata"]["resourceVersion"] = existing["metadata"].value("resourceVersion", "");
    written = client_.replace(kube::resources::validatingWebhookConfigurations(), "", name, desired, "", options);
  } else {
    // Server-side apply creates it by name, which RBAC can restrict (a POST names nothing).
    options.force = true;
    written = client_.apply(kube::resources::validatingWebhookConfigurations(), "", name, desired, "", options);
  }
  if (!written) return written.error();
  const bool sameTemplate =
      existing.is_object() &&
      existing["metadata"].value("annotations", nlohmann::json::object()).value(std::string(kTemplateDigestAnnotation), "") ==
          desired["metadata"]["annotations"][std::string(kTemplateDigestAnnotation)];
  const bool sameBundle = existing.is_object() && registeredBundle(existing) == registeredBundle(desired);
  const bool repaired = sameTemplate && sameBundle;
  logger_.log(repaired ? log::Level::kWarn : log::Level::kInfo,
              repaired               ? "Restored webhook registration that was edited in place"
              : existing.is_object() ? "Updated webhook registration"
                                     : "Registered webhook",
              {{"validatingWebhookConfiguration", name},
               {"webhooks", desired["webhooks"].size()},
               {"caCertificates", certificateBlocks(registeredBundle(desired)).size()}});
  return {};
}

void WebhookRegistration::start(std::chrono::milliseconds interval) {
  (void)reconcile();
  loop_.start(interval, [this] { (void)reconcile(); });
}

void WebhookRegistration::stop() { loop_.stop(); }

}  // namespace agentguard::webhook
