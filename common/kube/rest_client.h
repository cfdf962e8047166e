#pragma once

#include <memory>

#include "common/kube/http_transport.h"
#include "common/kube/kube_client.h"

namespace agentguard::kube {

// KubeClient over HTTP: builds the API paths and queries, encodes bodies, and maps answers to Results.
class RestClient final : public KubeClient {
 public:
  explicit RestClient(std::unique_ptr<HttpTransport> transport);

  Result<nlohmann::json> get(const Resource& resource, std::string_view ns, std::string_view name,
                             std::string_view subresource) override;
  Result<ObjectList> list(const Resource& resource, std::string_view ns, const ListOptions& options) override;
  Result<nlohmann::json> create(const Resource& resource, std::string_view ns, const nlohmann::json& body,
                                const WriteOptions& options) override;
  Result<nlohmann::json> replace(const Resource& resource, std::string_view ns, std::string_view name,
                                 const nlohmann::json& body, std::string_view subresource,
                                 const WriteOptions& options) override;
  Result<nlohmann::json> mergePatch(const Resource& resource, std::string_view ns, std::string_view name,
                                    const nlohmann::json& patch, std::string_view subresource,
                                    const WriteOptions& options) override;
  Result<nlohmann::json> apply(const Resource& resource, std::string_view ns, std::string_view name,
                               const nlohmann::json& body, std::string_view subresource,
                               const WriteOptions& options) override;
  Status remove(const Resource& resource, std::string_view ns, std::string_view name,
                const DeleteOptions& options) override;
  Status watch(const Resource& resource, std::string_view ns, const WatchOptions& options,
               const std::function<bool(WatchEvent&&)>& onEvent, const StopSignal& stop) override;

 private:
  // Sends the request; a 2xx answer's body parsed as JSON, anything else as an Error.
  Result<nlohmann::json> call(HttpRequest request);
  Result<nlohmann::json> write(const char* method, std::string target, const char* contentType,
                               const nlohmann::json& body);

  std::unique_ptr<HttpTransport> transport_;
};

}  // namespace agentguard::kube
