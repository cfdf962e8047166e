#include "webhook/app/webhook_app.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace agentguard::webhook {
namespace {

// start() sizes cpprestsdk's thread pool first, which a process may do once: ctest runs every test in a
// process of its own.
TEST(WebhookAppTest, FailsClosedNamingTheFirstPartThatCannotStart) {
  WebhookFlags flags;
  flags.policyLayers = {"builtin"};
  flags.policies = "builtin";
  flags.tlsCertFile = "/nonexistent/tls.crt";
  flags.tlsPrivateKeyFile = "/nonexistent/tls.key";
  flags.metricsListen = "0";
  flags.kubeconfig = "/nonexistent/kubeconfig";  // the API server is found before the certificate is read
  std::ostringstream logs;
  log::Logger logger(logs, log::Level::kInfo, "webhook");
  WebhookApp app(flags, logger);
  Status started = app.start();
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.error().message,
              ::testing::StartsWith("Failed to connect to the cluster: finding the Kubernetes API server: "));
  EXPECT_THAT(started.error().message, ::testing::HasSubstr("/nonexistent/kubeconfig"));
  EXPECT_THAT(logs.str(), ::testing::HasSubstr("Failed to connect to the cluster"));
  EXPECT_THAT(logs.str(), ::testing::Not(::testing::HasSubstr("Started admission webhook")));
  app.observe();  // safe before anything serves
  app.stop();
}

}  // namespace
}  // namespace agentguard::webhook
