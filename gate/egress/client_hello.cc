#include "gate/egress/client_hello.h"

#include <cstdint>
#include <optional>
#include <set>

#include "common/text/ascii.h"

namespace agentguard::gate::egress {
namespace {

constexpr uint8_t kHandshakeRecord = 22;
constexpr uint8_t kClientHelloMessage = 1;
constexpr uint16_t kServerNameExtension = 0;
constexpr uint8_t kHostNameType = 0;
constexpr size_t kRecordHeaderBytes = 5;
constexpr size_t kHandshakeHeaderBytes = 4;
constexpr size_t kMaxHostNameBytes = 253;

ClientHelloResult notTls(std::string detail) { return {ClientHelloStatus::kNotTls, {}, std::move(detail)}; }
ClientHelloResult needMore() { return {ClientHelloStatus::kNeedMore, {}, {}}; }

// Reads big-endian fields from a byte range; every read checks the bounds and fails the reader.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  std::optional<uint32_t> number(size_t width) {
    if (bytes_.size() - offset_ < width) return std::nullopt;
    uint32_t value = 0;
    for (size_t i = 0; i < width; ++i) value = (value << 8) | static_cast<uint8_t>(bytes_[offset_ + i]);
    offset_ += width;
    return value;
  }
  std::optional<std::string_view> bytes(size_t count) {
    if (bytes_.size() - offset_ < count) return std::nullopt;
    const auto out = bytes_.substr(offset_, count);
    offset_ += count;
    return out;
  }
  // A field of `width` length bytes followed by that many bytes.
  std::optional<std::string_view> vector(size_t width) {
    const auto length = number(width);
    if (!length) return std::nullopt;
    return bytes(*length);
  }
  size_t remaining() const { return bytes_.size() - offset_; }

 private:
  std::string_view bytes_;
  size_t offset_ = 0;
};

bool isHostNameChar(char c) { return text::isAlnum(c) || c == '-' || c == '.' || c == '_'; }

// The host_name of a server_name extension's body (RFC 6066 section 3).
ClientHelloResult readServerName(std::string_view body) {
  Reader reader(body);
  const auto list = reader.vector(2);
  if (!list || reader.remaining() != 0 || list->empty()) return notTls("server_name extension is malformed");
  Reader entries(*list);
  std::optional<std::string_view> hostName;
  while (entries.remaining() > 0) {
    const auto type = entries.number(1);
    const auto name = entries.vector(2);
    if (!type || !name) return notTls("server_name list is malformed");
    if (*type != kHostNameType) continue;
    if (hostName) return notTls("server_name carries two host_name entries");
    hostName = name;
  }
  if (!hostName) return {ClientHelloStatus::kNoServerName, {}, "server_name carries no host_name"};
  if (hostName->empty() || hostName->size() > kMaxHostNameBytes) return notTls("server_name host_name is empty or over 253 bytes");
  for (const char c : *hostName) {
    if (!isHostNameChar(c)) return notTls("server_name host_name is not a DNS name");
  }
  return {ClientHelloStatus::kServerName, std::string(*hostName), {}};
}

// The body of a complete ClientHello handshake message (RFC 8446 section 4.1.2; TLS 1.0-1.2 alike).
ClientHelloResult readClientHello(std::string_view message) {
  Reader reader(message);
  const auto version = reader.number(2);
  if (!version || (*version >> 8) != 3) return notTls("ClientHello version is not TLS");
  if (!reader.bytes(32)) return notTls("ClientHello is shorter than its random");
  const auto sessionId = reader.vector(1);
  if (!sessionId || sessionId->size() > 32) return notTls("ClientHello session_id is malformed");
  const auto cipherSuites = reader.vector(2);
  if (!cipherSuites || cipherSuites->empty() || cipherSuites->size() % 2 != 0) {
    return notTls("ClientHello cipher_suites is malformed");
  }
  const auto compression = reader.vector(1);
  if (!compression || compression->empty()) return notTls("ClientHello compression_methods is malformed");
  if (reader.remaining() == 0) return {ClientHelloStatus::kNoServerName, {}, "ClientHello has no extensions"};
  const auto extensions = reader.vector(2);
  if (!extensions || reader.remaining() != 0) return notTls("ClientHello extensions are malformed");
  Reader each(*extensions);
  std::set<uint32_t> seen;
  std::optional<ClientHelloResult> serverName;
  while (each.remaining() > 0) {
    const auto type = each.number(2);
    const auto body = each.vector(2);
    if (!type || !body) return notTls("ClientHello extension is cut short");
    if (!seen.insert(*type).second) return notTls("ClientHello repeats extension " + std::to_string(*type));
    if (*type == kServerNameExtension) {
      serverName = readServerName(*body);
      if (serverName->status == ClientHelloStatus::kNotTls) return *serverName;
    }
  }
  if (!serverName) return {ClientHelloStatus::kNoServerName, {}, "ClientHello has no server_name extension"};
  return *serverName;
}

}  // namespace

ClientHelloResult parseClientHello(std::string_view bytes) {
  // The handshake message, reassembled from the payloads of consecutive handshake records.
  std::string message;
  size_t offset = 0;
  while (true) {
    if (bytes.size() - offset < kRecordHeaderBytes) {
      // A prefix of a record header is judged as far as it goes, so non-TLS is refused without waiting.
      const std::string_view header = bytes.substr(offset);
      if (!header.empty() && static_cast<uint8_t>(header[0]) != kHandshakeRecord) {
        return notTls(offset == 0 ? "first byte is not a TLS handshake record" : "ClientHello continues in a non-handshake record");
      }
      if (header.size() > 1 && header[1] != 3) return notTls("record version is not TLS");
      return needMore();
    }
    Reader header(bytes.substr(offset, kRecordHeaderBytes));
    const uint32_t type = *header.number(1);
    const uint32_t major = *header.number(1);
    header.number(1);
    const uint32_t length = *header.number(2);
    if (type != kHandshakeRecord) {
      return notTls(offset == 0 ? "first byte is not a TLS handshake record" : "ClientHello continues in a non-handshake record");
    }
    if (major != 3) return notTls("record version is not TLS");
    if (length == 0 || length > kMaxTlsRecordPayload) return notTls("record length " + std::to_string(length) + " is out of range");
    offset += kRecordHeaderBytes;
    const size_t available = std::min<size_t>(length, bytes.size() - offset);
    message.append(bytes.substr(offset, available));
    offset += available;
    if (message.size() >= kHandshakeHeaderBytes) {
      Reader handshake(message);
      const uint32_t messageType = *handshake.number(1);
      const uint32_t messageLength = *handshake.number(3);
      if (messageType != kClientHelloMessage) return notTls("first handshake message is not a ClientHello");
      if (messageLength > kMaxClientHelloBytes) {
        return notTls("ClientHello of " + std::to_string(messageLength) + " bytes is over the 16 KiB limit");
      }
      if (message.size() >= kHandshakeHeaderBytes + messageLength) {
        return readClientHello(std::string_view(message).substr(kHandshakeHeaderBytes, messageLength));
      }
    } else if (!message.empty() && static_cast<uint8_t>(message[0]) != kClientHelloMessage) {
      return notTls("first handshake message is not a ClientHello");
    }
    if (available < length) return needMore();
  }
}

}  // namespace agentguard::gate::egress
