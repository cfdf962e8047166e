// The webhook's endpoints over real TLS on loopback: bad bodies, certificate rotation under load,
// handshake failures.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>

#include "common/http/server.h"
#include "tests/webhook/support/admission_fixtures.h"
#include "tests/webhook/support/test_tls.h"
#include "webhook/metrics/webhook_metrics.h"
#include "webhook/server/webhook_endpoints.h"
#include "webhook/tls/certificate_store.h"

namespace agentguard::webhook {
namespace {

using ::testing::HasSubstr;
namespace fx = testing;

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certFile_ = pki_.dir() + "/tls.crt";
    keyFile_ = pki_.dir() + "/tls.key";
    pki_.issue(certFile_, keyFile_, "1001");
    store_ = std::make_shared<CertificateStore>(certFile_, keyFile_, logger_);
    ASSERT_TRUE(store_->load().ok());
    store_->onHandshakeFailure([this] { metrics_.handshakeFailed(); });
    networkPolicies_.add(fx::defaultDenyEgress("agents"));
    readiness_.add("certificate", [this] { return Readiness::State{store_->loaded(), store_->current().serial}; });

    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.tls = store_;
    options.maxRequestBytes = 64 * 1024;
    server_ = std::make_unique<http::Server>(options, logger_);
    registerWebhookEndpoints(*server_, handler_, metrics_, readiness_, logger_);
    ASSERT_TRUE(server_->start().ok());
  }

  void TearDown() override {
    server_->stop();
    store_->stop();
  }

  web::http::client::http_client client() const {
    web::http::client::http_client_config config;
    const std::string ca = pki_.caFile();
    config.set_ssl_context_callback([ca](boost::asio::ssl::context& context) { context.load_verify_file(ca); });
    return web::http::client::http_client(server_->localUrl(), config);
  }

  int post(const std::string& body, std::string* answer = nullptr) const {
    web::http::http_request request("POST");
    request.set_request_uri("/validate");
    request.set_body(body, "application/json");
    auto response = client().request(request).get();
    if (answer != nullptr) *answer = response.extract_string().get();
    return response.status_code();
  }

  static std::string validReview() { return fx::admissionReviewFor(fx::deployment("agents", "scraper")).dump(); }

  fx::TestPki pki_;
  std::string certFile_, keyFile_;
  std::ostringstream logs_;
  log::Logger logger_{logs_};
  std::shared_ptr<CertificateStore> store_;
  fx::FixedEngineSource engines_{fx::testPolicies()};
  fx::FakeNetworkPolicies networkPolicies_;
  ReviewHandler handler_{engines_, &networkPolicies_};
  WebhookMetrics metrics_;
  Readiness readiness_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(TlsServerTest, AnswersAdmissionReviewsAndHealthOverTls) {
  std::string answer;
  ASSERT_EQ(post(validReview(), &answer), 200);
  EXPECT_THAT(answer, HasSubstr("\"allowed\":true"));
  auto health = client().request("GET", "/healthz").get();
  EXPECT_EQ(health.status_code(), 200);
  auto ready = client().request("GET", "/readyz").get();
  EXPECT_EQ(ready.status_code(), 200);
  EXPECT_THAT(ready.extract_string().get(), HasSubstr("[+]certificate ok: 1001"));
  EXPECT_THAT(metrics_.render(),
              HasSubstr("agentguard_admission_requests_total{decision=\"allow\",kind=\"Deployment\","
                        "operation=\"CREATE\"} 1"));
  EXPECT_THAT(logs_.str(), HasSubstr("\"msg\":\"Reviewed admission request\""));
  EXPECT_THAT(logs_.str(), Not(HasSubstr("registry.example")));  // no object content in logs
}

TEST_F(TlsServerTest, RefusesBadBodiesAndStaysUp) {
  fx::KeepAliveClient connection(server_->port(), pki_.caFile());
  ASSERT_TRUE(connection.connected());
  const std::string review = validReview();
  std::string body;
  EXPECT_EQ(connection.post("/validate", review.substr(0, review.size() / 2), &body), 400) << "truncated";
  EXPECT_THAT(body, HasSubstr("not valid JSON"));
  EXPECT_EQ(connection.post("/validate", R"({"apiVersion":"v1","kind":"Pod","metadata":{}})", &body), 400);
  EXPECT_THAT(body, HasSubstr("not an admission.k8s.io/v1 AdmissionReview"));
  EXPECT_EQ(connection.post("/validate", "", &body), 400) << "empty";
  EXPECT_EQ(connection.post("/validate", review), 200) << "the same connection still serves";

  EXPECT_EQ(post(std::string(65 * 1024, ' ')), 413);
  EXPECT_EQ(post(review), 200);
  EXPECT_THAT(logs_.str(), HasSubstr("Rejected a body that is not an AdmissionReview"));
  EXPECT_THAT(metrics_.render(), HasSubstr("decision=\"invalid\""));
}

TEST_F(TlsServerTest, RotatesTheCertificateWithoutLosingARequest) {
  store_->watch(std::chrono::milliseconds(20));
  fx::KeepAliveClient live(server_->port(), pki_.caFile());
  ASSERT_TRUE(live.connected());
  ASSERT_EQ(live.peerSerial(), "1001");

  const std::string review = validReview();
  std::atomic<bool> rotated{false};
  std::atomic<int> keepAliveOk{0}, keepAliveFailed{0}, freshOk{0}, freshFailed{0};
  std::thread keepAlive([&] {
    // Busy on one connection before, during and after the rotation.
    for (int afterRotation = 0; afterRotation < 50;) {
      (live.post("/validate", review) == 200 ? keepAliveOk : keepAliveFailed)++;
      if (rotated) ++afterRotation;
      if (keepAliveOk + keepAliveFailed > 20000) break;
    }
  });
  std::thread fresh([&] {
    // A new connection per request, so handshakes race with the files being rewritten.
    for (int afterRotation = 0; afterRotation < 20;) {
      fx::KeepAliveClient once(server_->port(), pki_.caFile());
      (once.connected() && once.post("/validate", review) == 200 ? freshOk : freshFailed)++;
      if (rotated) ++afterRotation;
      if (freshOk + freshFailed > 5000) break;
    }
  });

  ASSERT_TRUE(fx::eventually([&] { return keepAliveOk > 20 && freshOk > 5; }));
  pki_.issue(certFile_, keyFile_, "2002");
  const bool switched = fx::eventually([&] { return store_->current().serial == "2002"; });
  rotated = true;
  keepAlive.join();
  fresh.join();

  ASSERT_TRUE(switched) << logs_.str();
  EXPECT_EQ(keepAliveFailed, 0);
  EXPECT_EQ(freshFailed, 0);
  EXPECT_GE(keepAliveOk, 50);
  EXPECT_EQ(live.peerSerial(), "1001") << "the live connection kept its certificate";
  EXPECT_EQ(live.post("/validate", review), 200);
  fx::KeepAliveClient next(server_->port(), pki_.caFile());
  ASSERT_TRUE(next.connected());
  EXPECT_EQ(next.peerSerial(), "2002");
  EXPECT_EQ(store_->reloads(), 1u);
  EXPECT_THAT(logs_.str(), HasSubstr("\"msg\":\"Reloaded serving certificate\""));
}

TEST_F(TlsServerTest, KeepsThePreviousCertificateWhenTheNewOneIsBroken) {
  std::ofstream(certFile_) << "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n";
  EXPECT_FALSE(store_->reloadIfChanged());
  EXPECT_EQ(store_->current().serial, "1001");
  EXPECT_THAT(logs_.str(), HasSubstr("Kept the previous serving certificate"));
  fx::KeepAliveClient connection(server_->port(), pki_.caFile());
  ASSERT_TRUE(connection.connected());
  EXPECT_EQ(connection.peerSerial(), "1001");
}

TEST_F(TlsServerTest, HoldsANewCertificateUntilItIsTrusted) {
  bool trusted = false;
  std::string offered;
  store_->holdNewCertificatesUntil([&](const std::string& certPem) {
    offered = certPem;
    return trusted;
  });
  pki_.issue(certFile_, keyFile_, "3003");
  EXPECT_FALSE(store_->reloadIfChanged());
  EXPECT_EQ(store_->current().serial, "1001") << "served before the registration trusted it";
  EXPECT_THAT(offered, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(logs_.str(), HasSubstr("Holding the new serving certificate"));
  trusted = true;
  EXPECT_TRUE(store_->reloadIfChanged());
  EXPECT_EQ(store_->current().serial, "3003");
}

TEST_F(TlsServerTest, CountsFailedHandshakes) {
  fx::TestPki otherCa;
  fx::KeepAliveClient distrusting(server_->port(), otherCa.caFile());
  EXPECT_FALSE(distrusting.connected());
  ASSERT_TRUE(fx::eventually([&] { return store_->handshakeFailures() >= 1; }));
  EXPECT_THAT(metrics_.render(), HasSubstr("agentguard_tls_handshake_failures_total 1"));
  fx::KeepAliveClient trusting(server_->port(), pki_.caFile());
  EXPECT_TRUE(trusting.connected());
}

}  // namespace
}  // namespace agentguard::webhook
