#include "engine/network/address_range.h"

#include <gtest/gtest.h>

#include "engine/network/cidr.h"
#include "engine/network/public_addresses.h"

namespace agentguard::engine {
namespace {

AddressRange range(const char* cidr) { return Cidr::parse(cidr)->range(); }

TEST(CidrRangeTest, CoversTheNetwork) {
  EXPECT_EQ(range("10.0.0.0/8").first, Address{0x0A000000});
  EXPECT_EQ(range("10.0.0.0/8").last, Address{0x0AFFFFFF});
  EXPECT_EQ(range("10.1.2.3/8").first, Address{0x0A000000}) << "host bits are cleared";
  EXPECT_EQ(range("0.0.0.0/0").last, Address{0xFFFFFFFF});
  EXPECT_EQ(range("::/0").last, ~Address{0});
  EXPECT_EQ(range("8000::/1").first, Address{1} << 127);
  EXPECT_EQ(range("1.2.3.4").first, range("1.2.3.4").last);
}

TEST(AddressSetTest, MergesAdjacentAndOverlappingRanges) {
  AddressSet set;
  set.add(range("0.0.0.0/1"));
  set.add(range("128.0.0.0/1"));
  ASSERT_EQ(set.ranges().size(), 1u);
  EXPECT_EQ(set.ranges()[0].last, Address{0xFFFFFFFF});
  set.add(range("10.0.0.0/8"));
  EXPECT_EQ(set.ranges().size(), 1u);
  EXPECT_EQ(set.count(), 4294967296.0L);
}

TEST(AddressSetTest, KeepsDisjointRangesInOrder) {
  AddressSet set;
  set.add(range("192.168.0.0/16"));
  set.add(range("10.0.0.0/8"));
  set.add(range("172.16.0.0/12"));
  ASSERT_EQ(set.ranges().size(), 3u);
  EXPECT_EQ(set.ranges()[0].first, range("10.0.0.0/8").first);
  EXPECT_EQ(set.ranges()[2].first, range("192.168.0.0/16").first);
  set.add(range("0.0.0.0/0"));
  EXPECT_EQ(set.ranges().size(), 1u) << "a covering range swallows them all";
}

TEST(AddressSetTest, BuildsTheUnionOfUnorderedRanges) {
  const AddressSet set({range("128.0.0.0/2"), range("10.0.0.0/8"), range("0.0.0.0/1"), range("192.0.0.0/2"),
                        range("10.1.0.0/16")});
  ASSERT_EQ(set.ranges().size(), 1u);
  EXPECT_EQ(set.count(), 4294967296.0L);
  const AddressSet gaps({range("3.0.0.0/8"), range("1.0.0.0/8"), range("2.0.0.0/8"), range("9.0.0.0/8")});
  ASSERT_EQ(gaps.ranges().size(), 2u) << "adjacent ranges join, distant ones stay apart";
  EXPECT_EQ(gaps.ranges()[0].last, range("3.0.0.0/8").last);
}

TEST(AddressSetTest, RemovesAHoleAndTheEnds) {
  AddressSet set({range("0.0.0.0/0")});
  set.remove(range("10.0.0.0/8"));
  ASSERT_EQ(set.ranges().size(), 2u);
  EXPECT_EQ(set.ranges()[0].last, range("10.0.0.0/8").first - 1);
  EXPECT_EQ(set.ranges()[1].first, range("10.0.0.0/8").last + 1);
  set.remove(range("0.0.0.0/1"));
  set.remove(range("128.0.0.0/1"));
  EXPECT_TRUE(set.empty());
}

TEST(AddressSetTest, IntersectsRangeByRange) {
  const AddressSet a({range("0.0.0.0/1")});
  const AddressSet b({range("10.0.0.0/8"), range("172.16.0.0/12"), range("192.168.0.0/16")});
  const AddressSet both = a.intersection(b);
  ASSERT_EQ(both.ranges().size(), 1u);
  EXPECT_EQ(both.ranges()[0].first, range("10.0.0.0/8").first);
  EXPECT_TRUE(AddressSet({range("1.0.0.0/8")}).intersection(AddressSet({range("2.0.0.0/8")})).empty());
}

TEST(PublicAddressesTest, ExcludeSpecialPurposeRanges) {
  for (const char* special : {"10.1.2.3", "127.0.0.1", "169.254.169.254", "192.168.1.1", "100.64.0.1", "224.0.0.1",
                              "255.255.255.255"}) {
    EXPECT_TRUE(publicIPv4().intersection(AddressSet({range(special)})).empty()) << special;
  }
  EXPECT_FALSE(publicIPv4().intersection(AddressSet({range("8.8.8.8")})).empty());
  EXPECT_FALSE(publicIPv6().intersection(AddressSet({range("2a00:1450::1")})).empty());
  EXPECT_TRUE(publicIPv6().intersection(AddressSet({range("fd00:ec2::254")})).empty());
  EXPECT_TRUE(publicIPv6().intersection(AddressSet({range("2001:db8::1")})).empty());
}

TEST(PublicAddressesTest, Nat64PrefixMapsToIPv4) {
  const AddressSet mapped = ipv4ThroughNat64(AddressSet({range("64:ff9b::808:808/128")}));
  ASSERT_EQ(mapped.ranges().size(), 1u);
  EXPECT_EQ(mapped.ranges()[0].first, range("8.8.8.8").first);
  EXPECT_EQ(ipv4ThroughNat64(AddressSet({range("::/0")})).count(), 4294967296.0L);
  EXPECT_TRUE(ipv4ThroughNat64(AddressSet({range("2a00::/16")})).empty());
}

}  // namespace
}  // namespace agentguard::engine
