#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/kube/cluster_config.h"
#include "common/kube/kube_client.h"
#include "common/result/result.h"

namespace agentguard::kube {

struct HttpRequest {
  std::string method;       // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string target;       // path and query, already encoded: "/api/v1/namespaces/agents/pods?limit=50"
  std::string contentType;  // of `body`; empty when there is no body
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string body;        // whole for send(); for stream() only when the status is not 2xx
  std::string retryAfter;  // the Retry-After header, if any
};

struct TransportOptions {
  std::chrono::seconds requestTimeout{30};  // for send(): no byte for this long ends the request
  std::string userAgent = "agentguard";
};

// HTTPS to one API server: the only code that touches cpprestsdk. Trusts only the config's CA when one is
// given, presents its client certificate, and sends its bearer token (re-read from tokenFile whenever the
// file changes). Never throws: every cpprestsdk and OpenSSL failure becomes an Error. Thread-safe.
class HttpTransport {
 public:
  // InvalidArgument when the server URL or the PEM data cannot be used.
  static Result<std::unique_ptr<HttpTransport>> create(const ClusterConfig& config, TransportOptions options = {});
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // One request, the whole answer. An error only when no HTTP answer came (Unavailable).
  Result<HttpResponse> send(const HttpRequest& request);

  // A request whose 2xx body is handed to `onChunk` as it arrives, until the server ends it (ok), `onChunk`
  // returns false (ok), `stop` is signalled (ok; the request is cancelled) or the connection fails
  // (Unavailable). `onHeaders` runs once with the status when the response headers are in. A non-2xx answer
  // is read whole and returned in the response. `idleTimeout` drops a connection silent for that long.
  Result<HttpResponse> stream(const HttpRequest& request, std::chrono::seconds idleTimeout,
                              const std::function<void(int status)>& onHeaders,
                              const std::function<bool(std::string_view chunk)>& onChunk, const StopSignal& stop);

  const std::string& server() const;

 private:
  struct Impl;
  explicit HttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentguard::kube
