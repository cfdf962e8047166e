#include "gate/server/upstream_url.h"

#include <gtest/gtest.h>

namespace agentguard::gate::server {
namespace {

TEST(UpstreamUrlTest, ParsesHostPortAndTarget) {
  auto url = parseUpstreamUrl("http://mail-mcp.tools.svc.cluster.local:8000/mcp?x=1");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "mail-mcp.tools.svc.cluster.local");
  EXPECT_EQ(url->port, 8000);
  EXPECT_EQ(url->target, "/mcp?x=1");
  EXPECT_EQ(url->hostHeader, "mail-mcp.tools.svc.cluster.local:8000");
}

TEST(UpstreamUrlTest, DefaultsPortAndPath) {
  auto url = parseUpstreamUrl("https://mcp.example.com");
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->hostHeader, "mcp.example.com");
  auto v6 = parseUpstreamUrl("http://[::1]:81/mcp");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->hostHeader, "[::1]:81");
}

TEST(UpstreamUrlTest, RefusesWhatCouldMisdirectTheCall) {
  for (const std::string bad : {"ftp://x/", "http://user:pw@host/", "http://host/#frag", "http://:80/", "http://host:0/",
                                "http://host:99999/", "http://ho st/", "http://host:8x/", "http://[::1/"}) {
    EXPECT_FALSE(parseUpstreamUrl(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace agentguard::gate::server
