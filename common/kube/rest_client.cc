#include "common/kube/rest_client.h"

#include <utility>

#include "common/kube/api_errors.h"
#include "common/kube/cluster_config.h"
#include "common/kube/json_fields.h"
#include "common/kube/request_path.h"
#include "common/kube/watch_stream.h"

namespace agentguard::kube {
namespace {

using Json = nlohmann::json;

constexpr const char* kJson = "application/json";
constexpr const char* kMergePatch = "application/merge-patch+json";
constexpr const char* kApplyPatch = "application/apply-patch+yaml";  // JSON is YAML

// The client gives the server this long beyond its own timeoutSeconds before it drops a silent watch.
constexpr std::chrono::seconds kWatchReadMargin{30};
// With no timeoutSeconds the server picks up to twice its --min-request-timeout (1800 s by default).
constexpr std::chrono::seconds kUnboundedWatchReadTimeout{3600 + 60};

QueryString writeQuery(const WriteOptions& options) {
  QueryString query;
  query.add("fieldManager", options.fieldManager);
  if (options.dryRun) query.add("dryRun", "All");
  return query;
}

Result<std::string> encode(const Json& body, std::string_view what) {
  try {
    return body.dump();
  } catch (const Json::exception& e) {
    return makeError(ErrorCode::kInvalidArgument, std::string(what) + ": the body cannot be encoded: " + e.what());
  }
}

}  // namespace

RestClient::RestClient(std::unique_ptr<HttpTransport> transport) : transport_(std::move(transport)) {}

Result<Json> RestClient::call(HttpRequest request) {
  auto response = transport_->send(request);
  if (!response.ok()) return std::move(response).error();
  const std::string what = request.method + " " + request.target.substr(0, request.target.find('?'));
  if (response->status < 200 || response->status > 299) {
    return errorFromResponse(response->status, response->body, response->retryAfter, what);
  }
  Json parsed = Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return makeError(ErrorCode::kInternal, what + ": the server answered HTTP " + std::to_string(response->status) +
                                               " with a body that is not JSON");
  }
  return parsed;
}

Result<Json> RestClient::write(const char* method, std::string target, const char* contentType, const Json& body) {
  auto text = encode(body, std::string(method) + " " + target.substr(0, target.find('?')));
  if (!text.ok()) return std::move(text).error();
  return call(HttpRequest{method, std::move(target), contentType, std::move(text).value()});
}

Result<Json> RestClient::get(const Resource& resource, std::string_view ns, std::string_view name,
                             std::string_view subresource) {
  return call(HttpRequest{"GET", resource.path(ns, name, subresource), "", ""});
}

Result<ObjectList> RestClient::list(const Resource& resource, std::string_view ns, const ListOptions& options) {
  QueryString query;
  query.add("labelSelector", options.labelSelector)
      .add("fieldSelector", options.fieldSelector)
      .add("continue", options.continueToken)
      .add("resourceVersion", options.resourceVersion);
  if (options.limit > 0) query.add("limit", static_cast<long long>(options.limit));
  auto parsed = call(HttpRequest{"GET", resource.path(ns) + query.str(), "", ""});
  if (!parsed.ok()) return std::move(parsed).error();

  Json& body = *parsed;
  ObjectList out;
  out.resourceVersion = metadataString(body, "resourceVersion");
  out.continueToken = metadataString(body, "continue");
  // Items of a list carry no kind or apiVersion; fill them in so listed and watched objects look alike.
  std::string kind = jsonString(body, "kind");
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) kind.resize(kind.size() - 4);
  const std::string apiVersion = jsonString(body, "apiVersion");
  if (body.is_object() && body.contains("items") && body["items"].is_array()) {
    auto& items = body["items"].get_ref<Json::array_t&>();
    out.items.reserve(items.size());
    for (Json& item : items) {
      if (item.is_object()) {
        if (!kind.empty() && !item.contains("kind")) item["kind"] = kind;
        if (!apiVersion.empty() && !item.contains("apiVersion")) item["apiVersion"] = apiVersion;
      }
      out.items.push_back(std::move(item));
    }
  }
  return out;
}

Result<Json> RestClient::create(const Resource& resource, std::string_view ns, const Json& body,
                                const WriteOptions& options) {
  return write("POST", resource.path(ns) + writeQuery(options).str(), kJson, body);
}

Result<Json> RestClient::replace(const Resource& resource, std::string_view ns, std::string_view name,
                                 const Json& body, std::string_view subresource, const WriteOptions& options) {
  return write("PUT", resource.path(ns, name, subresource) + writeQuery(options).str(), kJson, body);
}

Result<Json> RestClient::mergePatch(const Resource& resource, std::string_view ns, std::string_view name,
                                    const Json& patch, std::string_view subresource, const WriteOptions& options) {
  return write("PATCH", resource.path(ns, name, subresource) + writeQuery(options).str(), kMergePatch, patch);
}

Result<Json> RestClient::apply(const Resource& resource, std::string_view ns, std::string_view name,
                               const Json& body, std::string_view subresource, const WriteOptions& options) {
  QueryString query = writeQuery(options);
  if (options.force) query.add("force", "true");
  const std::string target = resource.path(ns, name, subresource) + query.str();
  if (body.is_object() && !body.contains("metadata")) {
    Json named = body;
    named["metadata"]["name"] = name;
    return write("PATCH", target, kApplyPatch, named);
  }
  return write("PATCH", target, kApplyPatch, body);
}

Status RestClient::remove(const Resource& resource, std::string_view ns, std::string_view name,
                          const DeleteOptions& options) {
  Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagationPolicy.empty()) body["propagationPolicy"] = options.propagationPolicy;
  if (options.preconditionUid) body["preconditions"]["uid"] = *options.preconditionUid;
  if (options.preconditionResourceVersion) {
    body["preconditions"]["resourceVersion"] = *options.preconditionResourceVersion;
  }
  if (options.gracePeriodSeconds) body["gracePeriodSeconds"] = *options.gracePeriodSeconds;
  auto result = write("DELETE", resource.path(ns, name), kJson, body);
  if (!result.ok()) return std::move(result).error();
  return okStatus();
}

Status RestClient::watch(const Resource& resource, std::string_view ns, const WatchOptions& options,
                         const std::function<bool(WatchEvent&&)>& onEvent, const StopSignal& stop) {
  QueryString query;
  query.add("watch", "true")
      .add("resourceVersion", options.resourceVersion)
      .add("labelSelector", options.labelSelector)
      .add("fieldSelector", options.fieldSelector);
  if (options.allowBookmarks) query.add("allowWatchBookmarks", "true");
  std::chrono::seconds readTimeout = kUnboundedWatchReadTimeout;
  if (options.timeoutSeconds > 0) {
    query.add("timeoutSeconds", static_cast<long long>(options.timeoutSeconds));
    readTimeout = std::chrono::seconds(options.timeoutSeconds) + kWatchReadMargin;
  }
  const HttpRequest request{"GET", resource.path(ns) + query.str(), "", ""};
  return runWatch(*transport_, request, readTimeout, options.onEstablished, onEvent, stop);
}

Result<std::unique_ptr<KubeClient>> makeKubeClient(const ClusterConfig& config) {
  auto transport = HttpTransport::create(config);
  if (!transport.ok()) return std::move(transport).error();
  return std::unique_ptr<KubeClient>(std::make_unique<RestClient>(std::move(transport).value()));
}

Result<std::unique_ptr<KubeClient>> connectToCluster(const std::string& kubeconfigFlag) {
  auto config = resolveClusterConfig(kubeconfigFlag);
  if (!config) {
    Error error = std::move(config).error();
    error.message = "finding the Kubernetes API server: " + error.message;
    return error;
  }
  auto client = makeKubeClient(*config);
  if (!client) {
    Error error = std::move(client).error();
    error.message = "building the Kubernetes client: " + error.message;
    return error;
  }
  return client;
}

}  // namespace agentguard::kube
