#include "gate/egress/address_class.h"

#include <gtest/gtest.h>

namespace agentguard::gate::egress {
namespace {

struct Case {
  const char* address;
  AddressClass expected;
};

TEST(AddressClassTest, EachRangeHasItsClass) {
  const Case cases[] = {
      // IPv4
      {"8.8.8.8", AddressClass::kPublic},
      {"140.82.112.3", AddressClass::kPublic},
      {"0.0.0.0", AddressClass::kUnspecified},
      {"0.1.2.3", AddressClass::kUnspecified},
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.255.255.254", AddressClass::kLoopback},
      {"10.0.0.5", AddressClass::kPrivate},
      {"172.16.0.1", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"172.32.0.1", AddressClass::kPublic},
      {"192.168.1.1", AddressClass::kPrivate},
      {"100.64.0.1", AddressClass::kSharedAddress},
      {"100.127.255.255", AddressClass::kSharedAddress},
      {"100.128.0.1", AddressClass::kPublic},
      {"169.254.169.254", AddressClass::kLinkLocal},
      {"169.254.0.1", AddressClass::kLinkLocal},
      {"224.0.0.1", AddressClass::kMulticast},
      {"239.255.255.250", AddressClass::kMulticast},
      {"255.255.255.255", AddressClass::kBroadcast},
      {"240.0.0.1", AddressClass::kReserved},
      {"192.0.0.8", AddressClass::kReserved},
      {"198.18.0.1", AddressClass::kReserved},
      {"198.19.255.255", AddressClass::kReserved},
      {"192.88.99.1", AddressClass::kReserved},
      {"192.0.2.1", AddressClass::kDocumentation},
      {"198.51.100.7", AddressClass::kDocumentation},
      {"203.0.113.9", AddressClass::kDocumentation},
      // IPv6
      {"2606:4700::6810:84e5", AddressClass::kPublic},
      {"::", AddressClass::kUnspecified},
      {"::1", AddressClass::kLoopback},
      {"fe80::1", AddressClass::kLinkLocal},
      {"febf::1", AddressClass::kLinkLocal},
      {"fc00::1", AddressClass::kUniqueLocal},
      {"fd12:3456::1", AddressClass::kUniqueLocal},
      {"ff02::1", AddressClass::kMulticast},
      {"2001:db8::1", AddressClass::kDocumentation},
      {"3fff::1", AddressClass::kDocumentation},
      {"100::1", AddressClass::kReserved},
      {"2001::1", AddressClass::kReserved},
      {"2001:2::1", AddressClass::kReserved},
      {"fec0::1", AddressClass::kReserved},
      {"4000::1", AddressClass::kReserved},
      // IPv6 embedding IPv4: the embedded address decides
      {"::ffff:127.0.0.1", AddressClass::kLoopback},
      {"::ffff:169.254.169.254", AddressClass::kLinkLocal},
      {"::ffff:10.1.2.3", AddressClass::kPrivate},
      {"::ffff:8.8.8.8", AddressClass::kPublic},
      {"::10.1.2.3", AddressClass::kPrivate},
      {"::8.8.8.8", AddressClass::kReserved},
      {"64:ff9b::a9fe:a9fe", AddressClass::kLinkLocal},
      {"64:ff9b::10.0.0.1", AddressClass::kPrivate},
      {"64:ff9b::8.8.8.8", AddressClass::kPublic},
      {"64:ff9b:1::1", AddressClass::kReserved},
      {"2002:7f00:1::1", AddressClass::kLoopback},
      {"2002:a9fe:a9fe::1", AddressClass::kLinkLocal},
      {"2002:c0a8:101::1", AddressClass::kPrivate},
      {"2002:808:808::1", AddressClass::kPublic},
  };
  for (const Case& c : cases) {
    const auto actual = classifyAddress(c.address);
    ASSERT_TRUE(actual.has_value()) << c.address;
    EXPECT_EQ(addressClassName(*actual), addressClassName(c.expected)) << c.address;
  }
}

TEST(AddressClassTest, NamesAndMalformedLiteralsAreNoAddress) {
  for (const char* text : {"", "example.com", "10.0.0", "10.0.0.256", "0x7f.0.0.1", "2130706433", "fe80::1%eth0",
                           "[::1]", "1.2.3.4 "}) {
    EXPECT_FALSE(classifyAddress(text).has_value()) << text;
  }
}

TEST(AddressClassTest, MetadataServiceNamesItsClass) {
  EXPECT_EQ(addressClassName(*classifyAddress("169.254.169.254")),
            "link-local (includes the metadata service 169.254.169.254)");
}

}  // namespace
}  // namespace agentguard::gate::egress
