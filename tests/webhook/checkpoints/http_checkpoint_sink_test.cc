#include "webhook/checkpoints/http_checkpoint_sink.h"

#include <gtest/gtest.h>

#include <mutex>
#include <sstream>
#include <vector>

#include "common/http/server.h"
#include "common/log/logger.h"

namespace agentguard::webhook {
namespace {

// A loopback endpoint that keeps what is POSTed to /checkpoints and answers `status`.
class CheckpointEndpoint {
 public:
  explicit CheckpointEndpoint(int status) : server_(options(), logger_) {
    server_.route("POST", "/checkpoints", [this, status](const http::Request& request) {
      std::lock_guard lock(mutex_);
      bodies_.push_back(request.body);
      contentTypes_.push_back(request.header("content-type"));
      return http::Response::text(status, "");
    });
    EXPECT_TRUE(server_.start().ok());
  }
  std::string url() const { return server_.localUrl() + "/checkpoints"; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::vector<std::string> contentTypes() {
    std::lock_guard lock(mutex_);
    return contentTypes_;
  }

 private:
  static http::ServerOptions options() {
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    return options;
  }
  std::ostringstream discard_;
  log::Logger logger_{discard_};
  http::Server server_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<std::string> contentTypes_;
};

const decision::Checkpoint kCheckpoint{"replica-a", 7, std::string(32, 'r')};

TEST(HttpCheckpointSinkTest, PostsTheNoteAsText) {
  CheckpointEndpoint endpoint(204);
  HttpCheckpointSink sink(endpoint.url());
  ASSERT_TRUE(sink.publish(kCheckpoint, "replica-a\n7\nroot\n\n— replica-a sig\n").ok());
  EXPECT_EQ(endpoint.bodies(), std::vector<std::string>{"replica-a\n7\nroot\n\n— replica-a sig\n"});
  EXPECT_EQ(endpoint.contentTypes(), std::vector<std::string>{"text/plain; charset=utf-8"});
}

TEST(HttpCheckpointSinkTest, AnAnswerOtherThan2xxIsAFailure) {
  CheckpointEndpoint endpoint(503);
  HttpCheckpointSink sink(endpoint.url());
  Status published = sink.publish(kCheckpoint, "note\n");
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(published.error().message.find("answered HTTP 503"), std::string::npos) << published.error().message;
  EXPECT_EQ(endpoint.bodies().size(), 1u);
}

TEST(HttpCheckpointSinkTest, AnEndpointThatIsNotThereIsAFailure) {
  std::string url;
  {
    CheckpointEndpoint gone(200);
    url = gone.url();
  }  // stopped: nothing listens on its port any more
  HttpCheckpointSink sink(url, std::chrono::seconds(5));
  Status published = sink.publish(kCheckpoint, "note\n");
  ASSERT_FALSE(published.ok());
  EXPECT_NE(published.error().message.find("could not be reached"), std::string::npos) << published.error().message;
}

}  // namespace
}  // namespace agentguard::webhook
