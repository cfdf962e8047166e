#include "gate/egress/client_hello.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/gate/egress/tls_client_hello.h"

namespace agentguard::gate::egress {
namespace {

using testing::ClientHelloOptions;
using testing::opensslClientHello;

// Re-frames a single-record ClientHello into records of at most `chunk` payload bytes each.
std::string splitIntoRecords(const std::string& hello, size_t chunk) {
  const std::string header = hello.substr(0, 5);
  const std::string payload = hello.substr(5);
  std::string out;
  for (size_t i = 0; i < payload.size(); i += chunk) {
    const std::string piece = payload.substr(i, chunk);
    out += header.substr(0, 3);
    out += static_cast<char>(piece.size() >> 8);
    out += static_cast<char>(piece.size() & 0xff);
    out += piece;
  }
  return out;
}

TEST(ClientHelloTest, ReadsServerNameOfOpensslTls13Hello) {
  const auto result = parseClientHello(opensslClientHello({"api.github.com"}));
  EXPECT_EQ(result.status, ClientHelloStatus::kServerName) << result.detail;
  EXPECT_EQ(result.serverName, "api.github.com");
}

TEST(ClientHelloTest, ReadsServerNameOfOpensslTls12Hello) {
  ClientHelloOptions options{"pypi.org"};
  options.maxVersion = TLS1_2_VERSION;
  const auto result = parseClientHello(opensslClientHello(options));
  EXPECT_EQ(result.status, ClientHelloStatus::kServerName) << result.detail;
  EXPECT_EQ(result.serverName, "pypi.org");
}

TEST(ClientHelloTest, HelloWithoutServerNameIsNoSni) {
  const auto result = parseClientHello(opensslClientHello({}));
  EXPECT_EQ(result.status, ClientHelloStatus::kNoServerName);
  EXPECT_EQ(result.detail, "ClientHello has no server_name extension");
}

TEST(ClientHelloTest, EveryProperPrefixNeedsMore) {
  const std::string hello = opensslClientHello({"example.com"});
  for (size_t length = 0; length < hello.size(); ++length) {
    const auto result = parseClientHello(std::string_view(hello).substr(0, length));
    ASSERT_EQ(result.status, ClientHelloStatus::kNeedMore) << "prefix of " << length << " bytes: " << result.detail;
  }
}

TEST(ClientHelloTest, HelloSplitAcrossRecordsIsReassembled) {
  const std::string hello = opensslClientHello({"files.pythonhosted.org"});
  for (const size_t chunk : {1u, 7u, 64u, 100u}) {
    const std::string split = splitIntoRecords(hello, chunk);
    const auto result = parseClientHello(split);
    EXPECT_EQ(result.status, ClientHelloStatus::kServerName) << "chunk " << chunk << ": " << result.detail;
    EXPECT_EQ(result.serverName, "files.pythonhosted.org");
    EXPECT_EQ(parseClientHello(std::string_view(split).substr(0, split.size() - 1)).status, ClientHelloStatus::kNeedMore);
  }
}

TEST(ClientHelloTest, BytesAfterTheHelloAreIgnored) {
  const auto result = parseClientHello(opensslClientHello({"example.com"}) + "\x17\x03\x03\x00\x01x");
  EXPECT_EQ(result.status, ClientHelloStatus::kServerName);
}

TEST(ClientHelloTest, PlainHttpIsNotTls) {
  const auto result = parseClientHello("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
  EXPECT_EQ(result.status, ClientHelloStatus::kNotTls);
  EXPECT_EQ(result.detail, "first byte is not a TLS handshake record");
  EXPECT_EQ(parseClientHello("G").status, ClientHelloStatus::kNotTls);
}

TEST(ClientHelloTest, MalformedRecordsAreNotTls) {
  const std::string hello = opensslClientHello({"example.com"});
  struct Case {
    const char* name;
    std::string bytes;
  };
  std::string wrongVersion = hello;
  wrongVersion[1] = 2;
  std::string zeroLength = hello.substr(0, 3) + std::string("\x00\x00", 2);
  std::string oversized = hello.substr(0, 3) + std::string("\x40\x01", 2) + hello.substr(5);
  std::string notClientHello = hello;
  notClientHello[5] = 2;  // ServerHello
  std::string continuedInAlert = splitIntoRecords(hello, 10);
  continuedInAlert[15] = 21;  // the second record is an alert
  std::string hugeMessage = hello;
  hugeMessage[6] = 0x01;  // handshake length 0x01xxxx > 16 KiB
  std::string badLengths = hello;
  badLengths[5 + 4 + 2 + 32] = 33;  // session_id over 32 bytes
  for (const Case& c : {Case{"record version", wrongVersion}, Case{"zero-length record", zeroLength},
                        Case{"record over 2^14", oversized}, Case{"not a ClientHello", notClientHello},
                        Case{"alert record inside the hello", continuedInAlert},
                        Case{"message over 16 KiB", hugeMessage}, Case{"session_id length", badLengths}}) {
    EXPECT_EQ(parseClientHello(c.bytes).status, ClientHelloStatus::kNotTls) << c.name;
  }
}

// A ClientHello built by hand: just the fields, and the given extensions block.
std::string handmadeHello(const std::string& extensions) {
  std::string body("\x03\x03", 2);
  body += std::string(32, 'r');
  body += std::string("\x00", 1);                  // session_id
  body += std::string("\x00\x02\x13\x01", 4);      // one cipher suite
  body += std::string("\x01\x00", 2);              // null compression
  body += static_cast<char>(extensions.size() >> 8);
  body += static_cast<char>(extensions.size() & 0xff);
  body += extensions;
  std::string message("\x01", 1);
  message += static_cast<char>(0);
  message += static_cast<char>(body.size() >> 8);
  message += static_cast<char>(body.size() & 0xff);
  message += body;
  std::string record("\x16\x03\x01", 3);
  record += static_cast<char>(message.size() >> 8);
  record += static_cast<char>(message.size() & 0xff);
  return record + message;
}

std::string serverNameExtension(const std::string& entries) {
  std::string list;
  list += static_cast<char>(entries.size() >> 8);
  list += static_cast<char>(entries.size() & 0xff);
  list += entries;
  std::string extension("\x00\x00", 2);
  extension += static_cast<char>(list.size() >> 8);
  extension += static_cast<char>(list.size() & 0xff);
  return extension + list;
}

std::string hostNameEntry(const std::string& name) {
  std::string entry("\x00", 1);
  entry += static_cast<char>(name.size() >> 8);
  entry += static_cast<char>(name.size() & 0xff);
  return entry + name;
}

TEST(ClientHelloTest, HandmadeHellosAreJudgedPrecisely) {
  EXPECT_EQ(parseClientHello(handmadeHello(serverNameExtension(hostNameEntry("a.example")))).serverName, "a.example");
  const auto twoNames = parseClientHello(handmadeHello(serverNameExtension(hostNameEntry("a.example") + hostNameEntry("b.example"))));
  EXPECT_EQ(twoNames.status, ClientHelloStatus::kNotTls);
  EXPECT_EQ(twoNames.detail, "server_name carries two host_name entries");
  const std::string once = serverNameExtension(hostNameEntry("a.example"));
  EXPECT_EQ(parseClientHello(handmadeHello(once + once)).detail, "ClientHello repeats extension 0");
  EXPECT_EQ(parseClientHello(handmadeHello(serverNameExtension(hostNameEntry("a.example\x01")))).detail,
            "server_name host_name is not a DNS name");
  EXPECT_EQ(parseClientHello(handmadeHello(serverNameExtension(hostNameEntry("")))).status, ClientHelloStatus::kNotTls);
  EXPECT_EQ(parseClientHello(handmadeHello("")).status, ClientHelloStatus::kNoServerName);
  // An extension whose length runs past the block.
  EXPECT_EQ(parseClientHello(handmadeHello(std::string("\x00\x00\x00\x09\x00", 5))).detail, "ClientHello extension is cut short");
}

}  // namespace
}  // namespace agentguard::gate::egress
