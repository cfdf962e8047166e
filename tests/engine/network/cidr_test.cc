#include "engine/network/cidr.h"

#include <gtest/gtest.h>

namespace agentguard::engine {
namespace {

TEST(CidrTest, ParsesV4AndV6) {
  ASSERT_TRUE(Cidr::parse("10.0.0.0/8"));
  EXPECT_TRUE(Cidr::parse("10.0.0.0/8")->isV4());
  EXPECT_EQ(Cidr::parse("10.1.2.3")->prefixLength(), 32);
  EXPECT_FALSE(Cidr::parse("2001:db8::/32")->isV4());
  EXPECT_EQ(Cidr::parse("::1")->prefixLength(), 128);
}

TEST(CidrTest, RejectsMalformed) {
  for (const char* text : {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/-1", "10.0.0.0/8x", "::/129", "x"}) {
    EXPECT_FALSE(Cidr::parse(text)) << text;
  }
}

TEST(CidrTest, Containment) {
  const auto ten = *Cidr::parse("10.0.0.0/8");
  EXPECT_TRUE(ten.contains(*Cidr::parse("10.20.0.0/16")));
  EXPECT_TRUE(ten.contains(*Cidr::parse("10.255.255.255")));
  EXPECT_FALSE(ten.contains(*Cidr::parse("11.0.0.0/16")));
  EXPECT_FALSE(ten.contains(*Cidr::parse("0.0.0.0/0")));
  EXPECT_FALSE(ten.contains(*Cidr::parse("::ffff:10.0.0.1")));
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->isEverything());
  EXPECT_TRUE(Cidr::parse("::/0")->isEverything());
  EXPECT_TRUE(Cidr::parse("172.16.0.0/12")->contains(*Cidr::parse("172.31.0.0/16")));
  EXPECT_FALSE(Cidr::parse("172.16.0.0/12")->contains(*Cidr::parse("172.32.0.0/16")));
}

}  // namespace
}  // namespace agentguard::engine
