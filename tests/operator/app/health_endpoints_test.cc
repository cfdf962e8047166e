// The operator's probe endpoints over a real HTTP server on loopback.
#include "operator/app/health_endpoints.h"

#include <atomic>
#include <sstream>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include <cpprest/http_client.h>

#include "common/log/logger.h"

namespace agentguard::op {
namespace {

std::pair<int, std::string> get(const std::string& base, const std::string& path) {
  web::http::client::http_client client(base);
  auto response = client.request(web::http::methods::GET, path).get();
  return {response.status_code(), response.extract_string().get()};
}

TEST(HealthEndpointsTest, ReadyzFollowsTheCachesAndHealthzDoesNot) {
  std::ostringstream logs;
  log::Logger logger(logs);
  http::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 1;
  http::Server server(options, logger);
  std::atomic<bool> synced{false};
  registerHealthEndpoints(server, [&synced] { return synced.load(); });
  ASSERT_TRUE(server.start().ok());

  EXPECT_EQ(get(server.localUrl(), "/readyz"), std::make_pair(503, std::string("caches not synced\n")));
  EXPECT_EQ(get(server.localUrl(), "/healthz"), std::make_pair(200, std::string("ok\n")));
  synced = true;
  EXPECT_EQ(get(server.localUrl(), "/readyz"), std::make_pair(200, std::string("ok\n")));
  synced = false;  // a cache that lost its watch and is listing again
  EXPECT_EQ(get(server.localUrl(), "/readyz").first, 503);
  EXPECT_EQ(get(server.localUrl(), "/healthz").first, 200);
  server.stop();
}

}  // namespace
}  // namespace agentguard::op
