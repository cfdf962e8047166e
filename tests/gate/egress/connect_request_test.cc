#include "gate/egress/connect_request.h"

#include <gtest/gtest.h>

#include <string>

namespace agentguard::gate::egress {
namespace {

ConnectRequest accepted(const std::string& head) {
  auto parsed = parseConnectRequest(head);
  if (auto* error = std::get_if<ConnectRequestError>(&parsed)) {
    ADD_FAILURE() << head << " refused: " << error->reason;
    return {};
  }
  return std::get<ConnectRequest>(parsed);
}

ConnectRequestError refused(const std::string& head) {
  auto parsed = parseConnectRequest(head);
  if (std::holds_alternative<ConnectRequest>(parsed)) {
    ADD_FAILURE() << head << " accepted";
    return {};
  }
  return std::get<ConnectRequestError>(parsed);
}

TEST(ConnectRequestTest, ReadsHostPortAndBearer) {
  const auto request = accepted(
      "CONNECT API.GitHub.com.:443 HTTP/1.1\r\nHost: api.github.com:443\r\n"
      "Proxy-Authorization: bearer abc.def.ghi\r\nUser-Agent: curl/8\r\n\r\n");
  EXPECT_EQ(request.host, "api.github.com");
  EXPECT_EQ(request.port, 443);
  EXPECT_FALSE(request.hostIsIpLiteral);
  ASSERT_TRUE(request.proxyBearerToken.has_value());
  EXPECT_EQ(*request.proxyBearerToken, "abc.def.ghi");
}

TEST(ConnectRequestTest, IpLiteralsAreMarked) {
  EXPECT_TRUE(accepted("CONNECT 1.2.3.4:443 HTTP/1.1\r\n\r\n").hostIsIpLiteral);
  const auto v6 = accepted("CONNECT [2606:4700::1]:443 HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(v6.hostIsIpLiteral);
  EXPECT_EQ(v6.host, "2606:4700::1");
}

TEST(ConnectRequestTest, OtherMethodsAre405) {
  const auto error = refused("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n");
  EXPECT_EQ(error.status, 405);
  EXPECT_EQ(error.reason, "method GET is not allowed; this proxy only tunnels HTTPS with CONNECT host:443");
}

TEST(ConnectRequestTest, MalformedHeadsAre400) {
  const struct {
    const char* name;
    std::string head;
    std::string reason;
  } cases[] = {
      {"no port", "CONNECT example.com HTTP/1.1\r\n\r\n", "CONNECT target must be host:port"},
      {"port zero", "CONNECT example.com:0 HTTP/1.1\r\n\r\n", "CONNECT port must be a number from 1 to 65535"},
      {"port too big", "CONNECT example.com:65536 HTTP/1.1\r\n\r\n", "CONNECT port must be a number from 1 to 65535"},
      {"signed port", "CONNECT example.com:+443 HTTP/1.1\r\n\r\n", "CONNECT port must be a number from 1 to 65535"},
      {"decimal IP", "CONNECT 2130706433:443 HTTP/1.1\r\n\r\n", "host 2130706433 is numeric but not a dotted-quad IPv4 address"},
      {"hex IP", "CONNECT 0x7f.1:443 HTTP/1.1\r\n\r\n", "host 0x7f.1 is numeric but not a dotted-quad IPv4 address"},
      {"short IP", "CONNECT 127.1:443 HTTP/1.1\r\n\r\n", "host 127.1 is numeric but not a dotted-quad IPv4 address"},
      {"userinfo", "CONNECT user@example.com:443 HTTP/1.1\r\n\r\n", "host user@example.com has a character that is not a letter, digit, '-' or '.'"},
      {"non-ASCII", "CONNECT b\xc3\xbc\x63her.de:443 HTTP/1.1\r\n\r\n", "host is not ASCII; internationalized names are refused, use the xn-- form"},
      {"empty label", "CONNECT a..b:443 HTTP/1.1\r\n\r\n", "host a..b has an empty label"},
      {"unbracketed v6", "CONNECT ::1:443 HTTP/1.1\r\n\r\n", "CONNECT IPv6 literal must be in brackets"},
      {"HTTP/2", "CONNECT example.com:443 HTTP/2\r\n\r\n", "request line must end in HTTP/1.1"},
      {"bare LF", "CONNECT example.com:443 HTTP/1.1\nHost: x\r\n\r\n", "line break that is not CRLF"},
      {"folded header", "CONNECT example.com:443 HTTP/1.1\r\nA: b\r\n c: d\r\n\r\n", "header name has a character that is not allowed (folded or malformed header)"},
      {"body", "CONNECT example.com:443 HTTP/1.1\r\nContent-Length: 5\r\n\r\n", "CONNECT must not carry a body (Content-Length)"},
      {"basic auth", "CONNECT example.com:443 HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\r\n", "Proxy-Authorization must be Bearer <token from $AGENTGUARD_GATE_TOKEN_FILE>"},
      {"two tokens", "CONNECT example.com:443 HTTP/1.1\r\nProxy-Authorization: Bearer a\r\nProxy-Authorization: Bearer b\r\n\r\n", "Proxy-Authorization appears twice"},
      {"unterminated", "CONNECT example.com:443 HTTP/1.1\r\n", "request head does not end in an empty line"},
      {"NUL in IPv6 literal", std::string("CONNECT [2606:4700::12\0\0x]:443 HTTP/1.1\r\n\r\n", 43), "request line has a control character"},
      {"zone in IPv6 literal", "CONNECT [fe80::1%25eth0]:443 HTTP/1.1\r\n\r\n", "CONNECT target [fe80::1%25eth0] is not an IPv6 address"},
      {"tab in host", "CONNECT a\tb.com:443 HTTP/1.1\r\n\r\n", "request line has a control character"},
      {"garbage", "\x16\x03\x01\x02\x01\r\n\r\n", "request line has a control character"},
      {"no method", " example.com:443 HTTP/1.1\r\n\r\n", "request line is not METHOD target HTTP/1.1"},
  };
  for (const auto& c : cases) {
    const auto error = refused(c.head);
    EXPECT_EQ(error.status, 400) << c.name;
    EXPECT_EQ(error.reason, c.reason) << c.name;
  }
}

TEST(ConnectRequestTest, OversizedHeadIs431) {
  const std::string head = "CONNECT example.com:443 HTTP/1.1\r\nX-Pad: " + std::string(kMaxConnectHeadBytes, 'a') + "\r\n\r\n";
  EXPECT_EQ(refused(head).status, 431);
}

}  // namespace
}  // namespace agentguard::gate::egress
