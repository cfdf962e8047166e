#include "gate/policy/url_host_matcher.h"

#include <gtest/gtest.h>

#include <string>

namespace agentguard::gate::policy {
namespace {

constexpr std::string_view kWhere = "tools.servers[web].arguments.fetch_page./url";

UrlHostMatcher matcher(const nlohmann::json& hosts) {
  Result<UrlHostMatcher> parsed = UrlHostMatcher::parse(hosts, "spec.x.urlHosts");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return std::move(parsed).value();
}

struct UrlCase {
  const char* name;
  const char* url;
  bool allowed;
};

TEST(UrlHostMatcherTest, BypassesAreRefusedAndPlainUrlsPass) {
  const UrlHostMatcher hosts = matcher({"docs.example.com", "*.wikipedia.org", "**.corp.example.net"});
  const UrlCase kCases[] = {
      {"plain", "https://docs.example.com/guide?q=1", true},
      {"http", "http://docs.example.com/", true},
      {"port", "https://docs.example.com:8443/x", true},
      {"no path", "https://docs.example.com", true},
      {"query right after host", "https://docs.example.com?x=1", true},
      {"fragment on an allowed host", "https://docs.example.com/a#b", true},
      {"upper-case host", "https://DOCS.Example.COM/", true},
      {"upper-case scheme", "HTTPS://docs.example.com/", true},
      {"trailing dot", "https://docs.example.com./", true},
      {"one-label wildcard", "https://en.wikipedia.org/wiki/X", true},
      {"one-label wildcard, two labels", "https://a.en.wikipedia.org/", false},
      {"one-label wildcard, apex", "https://wikipedia.org/", false},
      {"many-label wildcard", "https://a.b.corp.example.net/", true},
      {"many-label wildcard, apex", "https://corp.example.net/", false},
      {"userinfo", "https://docs.example.com@evil.com/", false},
      {"userinfo with password", "https://user:pw@docs.example.com/", false},
      {"fragment hides the host", "https://evil.com#docs.example.com", false},
      {"query hides the host", "https://evil.com?docs.example.com", false},
      {"suffix attack", "https://docs.example.com.evil.com/", false},
      {"prefix attack", "https://evildocs.example.com/", false},
      {"wildcard suffix attack", "https://en.wikipedia.org.evil.com/", false},
      {"label join attack", "https://xwikipedia.org/", false},
      {"backslash as slash", "https://evil.com\\@docs.example.com", false},
      {"backslash after host", "https://docs.example.com\\evil", false},
      {"decimal IPv4", "http://2130706433/", false},
      {"octal IPv4", "http://0177.0.0.1/", false},
      {"hex IPv4", "http://0x7f.0.0.1/", false},
      {"short IPv4", "http://127.1/", false},
      {"dotted IPv4 not listed", "http://127.0.0.1/", false},
      {"IPv6 loopback", "http://[::1]/", false},
      {"IPv6 mapped IPv4", "http://[::ffff:127.0.0.1]/", false},
      {"IPv6 with zone", "http://[fe80::1%25eth0]/", false},
      {"punycode look-alike", "https://xn--dcs-5cd.example.com/", false},
      {"unicode ideographic dot", "https://docs\xE3\x80\x82" "example.com/", false},
      {"unicode fullwidth dot", "https://docs\xEF\xBC\x8E" "example.com/", false},
      {"cyrillic o", "https://d\xD0\xBE" "cs.example.com/", false},
      {"percent-encoded dot", "https://docs%2eexample.com/", false},
      {"percent-encoded host", "https://%64ocs.example.com/", false},
      {"no slashes", "https:docs.example.com", false},
      {"one slash", "https:/docs.example.com", false},
      {"three slashes", "https:///docs.example.com", false},
      {"scheme-relative", "//docs.example.com/", false},
      {"other scheme", "ftp://docs.example.com/", false},
      {"javascript", "javascript://docs.example.com/%0aalert(1)", false},
      {"file", "file:///etc/passwd", false},
      {"leading space", " https://docs.example.com/", false},
      {"tab inside", "https://docs.exa\tmple.com/", false},
      {"newline inside", "https://docs.example.com/\nx", false},
      {"empty port", "https://docs.example.com:/", false},
      {"port zero", "https://docs.example.com:0/", false},
      {"port too large", "https://docs.example.com:65536/", false},
      {"port with sign", "https://docs.example.com:+443/", false},
      {"two colons", "https://docs.example.com:443:80/", false},
      {"empty label", "https://docs..example.com/", false},
      {"two trailing dots", "https://docs.example.com../", false},
      {"underscore", "https://docs_x.example.com/", false},
      {"empty", "", false},
      {"only scheme", "https://", false},
  };
  for (const UrlCase& c : kCases) {
    const Refusal refusal = hosts.checkUrl(c.url, kWhere);
    EXPECT_EQ(!refusal.has_value(), c.allowed) << c.name << ": " << c.url << " -> " << refusal.value_or("allowed");
  }
}

TEST(UrlHostMatcherTest, NulInTheMiddleIsRefused) {
  const UrlHostMatcher hosts = matcher({"docs.example.com"});
  const std::string url("https://docs.example.com\0.evil.com/", 34);
  EXPECT_TRUE(hosts.checkUrl(url, kWhere).has_value());
  EXPECT_TRUE(hosts.check(nlohmann::json(url), kWhere).has_value());
}

TEST(UrlHostMatcherTest, IpLiteralsPassOnlyWhenListedAsThemselves) {
  const UrlHostMatcher hosts = matcher({"10.0.0.5", "[fd00::1]"});
  EXPECT_FALSE(hosts.checkUrl("http://10.0.0.5:8080/", kWhere));
  EXPECT_FALSE(hosts.checkUrl("http://[fd00:0:0::1]/", kWhere));  // the same address written longer
  EXPECT_TRUE(hosts.checkUrl("http://167772165/", kWhere));       // 10.0.0.5 as one number
  EXPECT_TRUE(hosts.checkUrl("http://10.0.0.6/", kWhere));
  EXPECT_TRUE(hosts.checkUrl("http://010.0.0.5/", kWhere));
}

TEST(UrlHostMatcherTest, RefusalNamesTheHostTheListAndTheFix) {
  const UrlHostMatcher hosts = matcher({"docs.example.com", "*.wikipedia.org"});
  const Refusal refusal = hosts.check("https://evil.example/x", kWhere);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(*refusal,
            "host \"evil.example\" is not in tools.servers[web].arguments.fetch_page./url.urlHosts "
            "(docs.example.com, *.wikipedia.org); call with a URL on one of those hosts");
  const Refusal userinfo = hosts.check("https://docs.example.com@evil.com/", kWhere);
  ASSERT_TRUE(userinfo);
  EXPECT_NE(userinfo->find("userinfo"), std::string::npos) << *userinfo;
}

TEST(UrlHostMatcherTest, NonStringValuesAreRefused) {
  const UrlHostMatcher hosts = matcher({"docs.example.com"});
  for (const nlohmann::json& value : {nlohmann::json(nullptr), nlohmann::json(1), nlohmann::json::array({"https://docs.example.com/"}),
                                      nlohmann::json{{"url", "https://docs.example.com/"}}}) {
    EXPECT_TRUE(hosts.check(value, kWhere)) << value.dump();
  }
}

TEST(UrlHostMatcherTest, BadPatternsAreRefusedWhenThePolicyIsRead) {
  for (const nlohmann::json& hosts :
       {nlohmann::json::array(), nlohmann::json("docs.example.com"), nlohmann::json::array({"*"}),
        nlohmann::json::array({"**"}), nlohmann::json::array({"a.*.example.com"}), nlohmann::json::array({"*example.com"}),
        nlohmann::json::array({"*.10.0.0.1"}), nlohmann::json::array({"https://docs.example.com"}),
        nlohmann::json::array({"docs.example.com:443"}), nlohmann::json::array({"d\xC3\xB6" "cs.example.com"}),
        nlohmann::json::array({"2130706433"}), nlohmann::json::array({1})}) {
    Result<UrlHostMatcher> parsed = UrlHostMatcher::parse(hosts, "spec.tools.servers[1].arguments.fetch_page./url.urlHosts");
    ASSERT_FALSE(parsed.ok()) << hosts.dump();
    EXPECT_TRUE(parsed.error().message.starts_with("spec.tools.servers[1].arguments.fetch_page./url.urlHosts"))
        << parsed.error().message;
  }
}

TEST(UrlHostMatcherTest, PatternsAreLowerCasedAndLoseTheirTrailingDot) {
  const UrlHostMatcher hosts = matcher({"Docs.Example.COM."});
  EXPECT_FALSE(hosts.checkUrl("https://docs.example.com/", kWhere));
}

TEST(UrlHostMatcherTest, OverlongHostsAndLabelsAreRefused) {
  const UrlHostMatcher hosts = matcher({"**.example.com"});
  EXPECT_FALSE(hosts.checkUrl("https://" + std::string(63, 'a') + ".example.com/", kWhere));
  EXPECT_TRUE(hosts.checkUrl("https://" + std::string(64, 'a') + ".example.com/", kWhere));
  std::string many;
  for (int i = 0; i < 130; ++i) many += "a.";
  EXPECT_TRUE(hosts.checkUrl("https://" + many + "example.com/", kWhere));
  // A long path is not the host's business.
  EXPECT_FALSE(hosts.checkUrl("https://docs.example.com/" + std::string(1 << 20, 'a'), kWhere));
}

}  // namespace
}  // namespace agentguard::gate::policy
