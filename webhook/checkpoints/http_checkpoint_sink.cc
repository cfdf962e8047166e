#include "webhook/checkpoints/http_checkpoint_sink.h"

#include <cpprest/http_client.h>

namespace agentguard::webhook {

Status HttpCheckpointSink::publish(const decision::Checkpoint&, std::string_view note) {
  try {
    web::http::client::http_client_config config;
    config.set_timeout(timeout_);
    web::http::client::http_client client(utility::conversions::to_string_t(url_), config);
    web::http::http_request request(web::http::methods::POST);
    request.set_body(std::string(note), "text/plain; charset=utf-8");
    const web::http::http_response response = client.request(request).get();
    if (response.status_code() < 200 || response.status_code() >= 300) {
      return makeError(ErrorCode::kUnavailable,
                       "checkpoint endpoint " + url_ + " answered HTTP " + std::to_string(response.status_code()));
    }
    return okStatus();
  } catch (const std::exception& error) {
    return makeError(ErrorCode::kUnavailable, "checkpoint endpoint " + url_ + " could not be reached: " + error.what());
  }
}

}  // namespace agentguard::webhook
