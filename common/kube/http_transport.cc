#include "common/kube/http_transport.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>
#include <pplx/pplxtasks.h>

#include "common/kube/api_errors.h"

namespace agentguard::kube {
namespace {

using web::http::client::http_client;
using web::http::client::http_client_config;
using ByteBuffer = concurrency::streams::streambuf<uint8_t>;

// How often a blocked stream() looks at its StopSignal, and how long it then waits for the cancelled request
// to settle before returning anyway.
constexpr auto kStopPollInterval = std::chrono::milliseconds(50);
constexpr auto kCancelGrace = std::chrono::seconds(10);
constexpr size_t kStreamReadSize = 64 * 1024;

// ---------------------------------------------------------------------------------------------------------
// TLS

struct TlsMaterial {
  std::string caPem;
  std::string certificatePem;
  std::string keyPem;
};

std::string openSslErrors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "no detail" : text;
}

// Replaces the context's trust store by the CA bundle alone (every certificate of the PEM), as kubectl does:
// a cluster CA is not combined with the system store cpprestsdk loads first.
void trustOnly(boost::asio::ssl::context& ctx, const std::string& pem) {
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr) throw std::runtime_error("cannot allocate an X509 store");
  SSL_CTX_set_cert_store(ctx.native_handle(), store);  // the context owns it now
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) throw std::runtime_error("cannot allocate a memory BIO");
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    const int ok = X509_STORE_add_cert(store, cert);
    X509_free(cert);
    if (ok != 1) {
      BIO_free(bio);
      throw std::runtime_error("cannot add a CA certificate: " + openSslErrors());
    }
    ++added;
  }
  BIO_free(bio);
  ERR_clear_error();  // the end of the PEM data shows up as an error
  if (added == 0) throw std::runtime_error("no PEM certificate found in the certificate authority data");
}

// Applied to every new connection's context; throws on unusable PEM data.
void configureTls(boost::asio::ssl::context& ctx, const TlsMaterial& tls) {
  ctx.set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                  boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                  boost::asio::ssl::context::no_tlsv1_1);
  if (!tls.caPem.empty()) trustOnly(ctx, tls.caPem);
  if (!tls.certificatePem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(tls.certificatePem));
    ctx.use_private_key(boost::asio::buffer(tls.keyPem), boost::asio::ssl::context::pem);
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
      throw std::runtime_error("the client key does not match the client certificate");
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Bearer token

// The token to send: fixed, or read from a file again whenever the file changes (bound service-account
// tokens are rotated by the kubelet swapping a symlink).
class TokenSource {
 public:
  TokenSource(std::string token, std::string file) : token_(std::move(token)), file_(std::move(file)) {}

  std::string current() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (file_.empty()) return token_;
    struct stat info {};
    if (::stat(file_.c_str(), &info) != 0) return token_;  // keep the last good token
    const bool changed = !read_ || info.st_ino != inode_ || info.st_size != size_ ||
                         info.st_mtim.tv_sec != modified_.tv_sec || info.st_mtim.tv_nsec != modified_.tv_nsec;
    if (changed) {
      std::ifstream in(file_, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      if (in) {
        std::string value = text.str();
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) {
          value.pop_back();
        }
        token_ = std::move(value);
        read_ = true;
        inode_ = info.st_ino;
        size_ = info.st_size;
        modified_ = info.st_mtim;
      }
    }
    return token_;
  }

 private:
  std::mutex mutex_;
  std::string token_;
  const std::string file_;
  bool read_ = false;
  ino_t inode_ = 0;
  off_t size_ = 0;
  timespec modified_{};
};

// ---------------------------------------------------------------------------------------------------------
// Waiting on pplx tasks

// The outcome of a task, stored by a continuation that always runs (also on cancellation) and always
// observes the task's exception, so no task is left unobserved.
template <typename T>
struct Pending {
  std::mutex mutex;
  std::condition_variable finishedChanged;
  bool finished = false;
  std::optional<T> value;
  std::exception_ptr error;
};

template <typename T>
std::shared_ptr<Pending<T>> observe(pplx::task<T> task) {
  auto pending = std::make_shared<Pending<T>>();
  task.then([pending](pplx::task<T> done) {
    std::optional<T> value;
    std::exception_ptr error;
    try {
      value.emplace(done.get());
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(pending->mutex);
      pending->value = std::move(value);
      pending->error = error;
      pending->finished = true;
    }
    pending->finishedChanged.notify_all();
  });
  return pending;
}

// Waits for `pending`. Returns false when `stop` was signalled first: the request is then cancelled and the
// wait goes on (bounded) until the cancellation has settled.
template <typename T>
bool awaitUnlessStopped(Pending<T>& pending, const StopSignal& stop, pplx::cancellation_token_source& cancel) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(pending.mutex);
      if (pending.finishedChanged.wait_for(lock, kStopPollInterval, [&] { return pending.finished; })) return true;
    }
    if (stop.stopped()) {
      cancel.cancel();  // never under pending.mutex: the continuation may run inside cancel()
      std::unique_lock<std::mutex> lock(pending.mutex);
      pending.finishedChanged.wait_for(lock, kCancelGrace, [&] { return pending.finished; });
      return false;
    }
  }
}

std::string failureText(const web::http::http_exception& e) {
  std::string text = e.what();
  const std::string code = e.error_code().message();
  if (!code.empty() && text.find(code) == std::string::npos) text += " (" + code + ")";
  return text;
}

std::string failureText(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const web::http::http_exception& e) {
    return failureText(e);
  } catch (const pplx::task_canceled&) {
    return "request cancelled";
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown failure";
  }
}

std::string headerValue(const web::http::http_headers& headers, const char* name) {
  std::string value;
  headers.match(name, value);
  return value;
}

// "GET /api/v1/namespaces/agents/pods": the request named in messages, without its query.
std::string describeRequest(const HttpRequest& request) {
  return request.method + " " + request.target.substr(0, request.target.find('?'));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------

struct HttpTransport::Impl {
  std::string server;
  TransportOptions options;
  bool validateCertificates = true;
  std::shared_ptr<const TlsMaterial> tls;
  TokenSource token;
  std::unique_ptr<http_client> client;  // for send(); stream() makes one per call for its own timeout

  Impl(const ClusterConfig& config, TransportOptions transportOptions)
      : server(config.server),
        options(std::move(transportOptions)),
        validateCertificates(!config.insecureSkipTlsVerify),
        tls(std::make_shared<const TlsMaterial>(
            TlsMaterial{config.caData, config.clientCertificateData, config.clientKeyData})),
        token(config.token, config.tokenFile) {}

  http_client_config clientConfig(std::chrono::seconds timeout) const {
    http_client_config config;
    config.set_timeout(timeout);
    config.set_validate_certificates(validateCertificates);
    config.set_max_redirects(0);  // a redirect could carry the bearer token to another host
    const std::shared_ptr<const TlsMaterial> material = tls;
    // cpprestsdk catches what this throws and fails the request with it.
    config.set_ssl_context_callback([material](boost::asio::ssl::context& ctx) { configureTls(ctx, *material); });
    return config;
  }

  // Throws web::uri_exception for a malformed target.
  web::http::http_request message(const HttpRequest& request) {
    web::http::http_request out{web::http::method(request.method)};
    out.set_request_uri(web::uri(request.target));
    auto& headers = out.headers();
    headers.add("Accept", "application/json");
    headers.add("User-Agent", options.userAgent);
    const std::string bearer = token.current();
    if (!bearer.empty()) headers.add("Authorization", "Bearer " + bearer);
    if (!request.contentType.empty()) out.set_body(request.body, request.contentType);
    return out;
  }
};

HttpTransport::HttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpTransport::~HttpTransport() = default;

const std::string& HttpTransport::server() const { return impl_->server; }

Result<std::unique_ptr<HttpTransport>> HttpTransport::create(const ClusterConfig& config, TransportOptions options) {
  if (config.server.rfind("https://", 0) != 0 &&
      !(config.insecureSkipTlsVerify && config.server.rfind("http://", 0) == 0)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "API server \"" + config.server + "\" is not an https:// URL; fix the cluster's server field");
  }
  if (config.clientCertificateData.empty() != config.clientKeyData.empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "a client certificate needs its key and a key its certificate; set both or neither");
  }
  auto impl = std::make_unique<Impl>(config, std::move(options));
  // Load the PEM data once now, so a bad CA or key is reported here rather than on every request.
  try {
    boost::asio::ssl::context probe(boost::asio::ssl::context::sslv23);
    configureTls(probe, *impl->tls);
  } catch (const std::exception& e) {
    ERR_clear_error();
    return makeError(ErrorCode::kInvalidArgument,
                     std::string("cannot use the cluster's TLS data (certificate-authority-data, "
                                 "client-certificate-data, client-key-data): ") +
                         e.what());
  }
  try {
    impl->client = std::make_unique<http_client>(web::uri(config.server), impl->clientConfig(impl->options.requestTimeout));
  } catch (const std::exception& e) {
    return makeError(ErrorCode::kInvalidArgument,
                     "API server URL \"" + config.server + "\" cannot be used: " + e.what());
  }
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(impl)));
}

Result<HttpResponse> HttpTransport::send(const HttpRequest& request) {
  const std::string what = describeRequest(request);
  std::optional<web::http::http_request> message;
  try {
    message.emplace(impl_->message(request));
  } catch (const std::exception& e) {
    return makeError(ErrorCode::kInternal, what + ": cannot build the request: " + e.what());
  }
  try {
    web::http::http_response response = impl_->client->request(*message).get();
    HttpResponse out;
    out.status = response.status_code();
    out.retryAfter = headerValue(response.headers(), "Retry-After");
    out.body = response.extract_utf8string(/*ignore_content_type=*/true).get();
    return out;
  } catch (const web::http::http_exception& e) {
    return connectionError(what, "no answer from " + impl_->server + ": " + failureText(e));
  } catch (const std::exception& e) {
    return connectionError(what, "no answer from " + impl_->server + ": " + e.what());
  }
}

Result<HttpResponse> HttpTransport::stream(const HttpRequest& request, std::chrono::seconds idleTimeout,
                                           const std::function<void(int status)>& onHeaders,
                                           const std::function<bool(std::string_view chunk)>& onChunk,
                                           const StopSignal& stop) {
  const std::string what = describeRequest(request);
  std::optional<web::http::http_request> message;
  std::unique_ptr<http_client> client;
  try {
    message.emplace(impl_->message(request));
    client = std::make_unique<http_client>(web::uri(impl_->server), impl_->clientConfig(idleTimeout));
  } catch (const std::exception& e) {
    return makeError(ErrorCode::kInternal, what + ": cannot build the request: " + e.what());
  }

  pplx::cancellation_token_source cancel;
  HttpResponse out;
  try {
    const auto headers = observe(client->request(*message, cancel.get_token()));
    if (!awaitUnlessStopped(*headers, stop, cancel)) return out;
    if (headers->error) {
      if (stop.stopped()) return out;
      return connectionError(what, "no answer from " + impl_->server + ": " + failureText(headers->error));
    }
    web::http::http_response response = std::move(*headers->value);
    out.status = response.status_code();
    out.retryAfter = headerValue(response.headers(), "Retry-After");
    if (onHeaders) onHeaders(out.status);

    if (out.status < 200 || out.status > 299) {
      const auto body = observe(response.extract_utf8string(/*ignore_content_type=*/true));
      if (!awaitUnlessStopped(*body, stop, cancel)) return out;
      if (body->error) return connectionError(what, "answer body lost: " + failureText(body->error));
      out.body = std::move(*body->value);
      return out;
    }

    ByteBuffer buffer = response.body().streambuf();
    std::string chunk(kStreamReadSize, '\0');
    for (;;) {
      if (stop.stopped()) {
        cancel.cancel();
        return out;
      }
      size_t filled = 0;
      size_t available = buffer.in_avail();
      if (available == 0) {
        // Nothing buffered: wait for one more byte (or the end) without blocking a pplx thread.
        const auto next = observe(buffer.bumpc());
        if (!awaitUnlessStopped(*next, stop, cancel)) return out;
        if (next->error) {
          if (stop.stopped()) return out;
          return connectionError(what, "stream from " + impl_->server + " broke: " + failureText(next->error));
        }
        const auto byte = *next->value;
        if (byte == ByteBuffer::traits::eof()) return out;  // the server ended the stream
        chunk[0] = static_cast<char>(byte);
        filled = 1;
        available = buffer.in_avail();
      }
      if (available > 0) {
        // Already buffered, so this completes at once.
        const size_t wanted = std::min(available, chunk.size() - filled);
        filled += buffer.getn(reinterpret_cast<uint8_t*>(chunk.data() + filled), wanted).get();
      }
      if (!onChunk(std::string_view(chunk.data(), filled))) {
        cancel.cancel();
        return out;
      }
    }
  } catch (const web::http::http_exception& e) {
    cancel.cancel();
    if (stop.stopped()) return out;
    return connectionError(what, "stream from " + impl_->server + " broke: " + failureText(e));
  } catch (const std::exception& e) {
    cancel.cancel();
    if (stop.stopped()) return out;
    return connectionError(what, "stream from " + impl_->server + " broke: " + e.what());
  }
}

}  // namespace agentguard::kube
