#include "gate/policy/host_name.h"

#include <gtest/gtest.h>

namespace agentguard::gate::policy {
namespace {

TEST(HostNameTest, NamesAreLowerCasedWithoutTheTrailingDot) {
  Result<HostName> name = parseHostName("Docs.Example.COM.");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->text, "docs.example.com");
  EXPECT_EQ(name->kind, HostName::Kind::kDns);
}

TEST(HostNameTest, OnlyDottedDecimalIsAnIpv4Address) {
  Result<HostName> address = parseHostName("127.0.0.1");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->kind, HostName::Kind::kIpv4);
  for (const char* numeric : {"2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "127.1", "127.0.1",
                              "1.2.3.4.5", "256.0.0.1", "a.b.0x", "example.123", "1.2.3.04"}) {
    EXPECT_FALSE(parseHostName(numeric).ok()) << numeric;
  }
  // Numbers in labels other than the last make a name.
  Result<HostName> name = parseHostName("1.2.3.example.com");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->kind, HostName::Kind::kDns);
}

TEST(HostNameTest, Ipv6IsWrittenTheWayInetNtopWritesIt) {
  Result<HostName> address = parseHostName("[FD00:0:0::0001]");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->text, "[fd00::1]");
  EXPECT_EQ(address->kind, HostName::Kind::kIpv6);
  for (const char* bad : {"[]", "[::1", "[fe80::1%eth0]", "[::g]", "[127.0.0.1]"}) {
    EXPECT_FALSE(parseHostName(bad).ok()) << bad;
  }
}

TEST(HostNameTest, WhatOtherReadersWouldReadDifferentlyIsRefused) {
  for (const char* bad : {"", ".", "a..b", ".a.b", "-a.b", "a-.b", "a_b.c", "a b", "a%2eb", "a\\b", "a/b",
                          "b\xC3\xBC" "cher.de", "a\xE3\x80\x82" "b", "a\xEF\xBC\x8E" "b", "a\xEF\xBD\xA1" "b"}) {
    EXPECT_FALSE(parseHostName(bad).ok()) << bad;
  }
  EXPECT_FALSE(parseHostName(std::string(64, 'a') + ".com").ok());
  EXPECT_TRUE(parseHostName(std::string(63, 'a') + ".com").ok());
  EXPECT_TRUE(parseHostName("xn--bcher-kva.de").ok());  // punycode is plain ASCII and compared as written
}

}  // namespace
}  // namespace agentguard::gate::policy
