#include "gate/egress/connect_request.h"

#include <arpa/inet.h>

#include <array>

#include "common/text/ascii.h"

namespace agentguard::gate::egress {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr size_t kMaxHostBytes = 253;
constexpr size_t kMaxLabelBytes = 63;

ConnectRequestError malformed(std::string reason) { return {400, std::move(reason)}; }

bool isTokenChar(char c) {
  return text::isAlnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (text::toLower(a[i]) != text::toLower(b[i])) return false;
  }
  return true;
}

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = text::toLower(c);
  return out;
}

// A DNS name of letters, digits and hyphens; a name whose last label is numeric must be a dotted-quad
// IPv4 literal, since resolvers read "2130706433" or "0x7f.1" as addresses.
std::optional<std::string> checkHostName(std::string& host) {
  if (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty()) return "host is empty";
  if (host.size() > kMaxHostBytes) return "host is over 253 characters";
  size_t start = 0;
  std::string_view lastLabel;
  while (start <= host.size()) {
    size_t end = host.find('.', start);
    if (end == std::string::npos) end = host.size();
    const std::string_view label = std::string_view(host).substr(start, end - start);
    if (label.empty()) return "host " + host + " has an empty label";
    if (label.size() > kMaxLabelBytes) return "host " + host + " has a label over 63 characters";
    for (const char c : label) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        return "host is not ASCII; internationalized names are refused, use the xn-- form";
      }
      if (!text::isLowerAlnum(c) && c != '-') return "host " + host + " has a character that is not a letter, digit, '-' or '.'";
    }
    if (label.front() == '-' || label.back() == '-') return "host " + host + " has a label that starts or ends with '-'";
    lastLabel = label;
    start = end + 1;
  }
  bool numeric = true;
  for (const char c : lastLabel) numeric = numeric && text::isDigit(c);
  if (numeric || lastLabel.rfind("0x", 0) == 0) {
    std::array<unsigned char, 4> address{};
    if (inet_pton(AF_INET, host.c_str(), address.data()) != 1) {
      return "host " + host + " is numeric but not a dotted-quad IPv4 address";
    }
  }
  return std::nullopt;
}

// "host:port" or "[v6]:port" into the request.
std::optional<ConnectRequestError> readAuthority(std::string_view authority, ConnectRequest& request) {
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return malformed("CONNECT target must be host:port");
  std::string_view host = authority.substr(0, colon);
  const std::string_view port = authority.substr(colon + 1);
  if (port.empty() || port.size() > 5) return malformed("CONNECT port must be a number from 1 to 65535");
  uint32_t portNumber = 0;
  for (const char c : port) {
    if (!text::isDigit(c)) return malformed("CONNECT port must be a number from 1 to 65535");
    portNumber = portNumber * 10 + static_cast<uint32_t>(c - '0');
  }
  if (portNumber == 0 || portNumber > 65535) return malformed("CONNECT port must be a number from 1 to 65535");
  request.port = static_cast<uint16_t>(portNumber);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return malformed("CONNECT target has an unclosed IPv6 literal");
    const std::string literal(host.substr(1, host.size() - 2));
    for (const char c : literal) {
      if (!text::isHexDigit(c) && c != ':' && c != '.') return malformed("CONNECT target [" + literal + "] is not an IPv6 address");
    }
    std::array<unsigned char, 16> address{};
    if (inet_pton(AF_INET6, literal.c_str(), address.data()) != 1) {
      return malformed("CONNECT target [" + literal + "] is not an IPv6 address");
    }
    request.host = lowerCase(literal);
    request.hostIsIpLiteral = true;
    return std::nullopt;
  }
  if (host.find(':') != std::string_view::npos) return malformed("CONNECT IPv6 literal must be in brackets");
  request.host = lowerCase(host);
  if (auto problem = checkHostName(request.host)) return malformed(*problem);
  std::array<unsigned char, 4> address{};
  request.hostIsIpLiteral = inet_pton(AF_INET, request.host.c_str(), address.data()) == 1;
  return std::nullopt;
}

std::optional<ConnectRequestError> readRequestLine(std::string_view line, ConnectRequest& request) {
  // A NUL would end the C strings inet_pton and the resolver read, so they would see less than the policy.
  for (const char c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return malformed("request line has a control character");
  }
  const size_t firstSpace = line.find(' ');
  if (firstSpace == std::string_view::npos || firstSpace == 0) return malformed("request line is not METHOD target HTTP/1.1");
  const std::string_view method = line.substr(0, firstSpace);
  for (const char c : method) {
    if (!isTokenChar(c)) return malformed("request line is not METHOD target HTTP/1.1");
  }
  if (method != "CONNECT") return ConnectRequestError{405, "method " + std::string(method) + " is not allowed; this proxy only tunnels HTTPS with CONNECT host:443"};
  const size_t secondSpace = line.find(' ', firstSpace + 1);
  if (secondSpace == std::string_view::npos) return malformed("request line is not CONNECT host:port HTTP/1.1");
  const std::string_view version = line.substr(secondSpace + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return malformed("request line must end in HTTP/1.1");
  return readAuthority(line.substr(firstSpace + 1, secondSpace - firstSpace - 1), request);
}

std::optional<ConnectRequestError> readHeader(std::string_view line, ConnectRequest& request) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return malformed("header line without a name: a line must be Name: value");
  const std::string_view name = line.substr(0, colon);
  for (const char c : name) {
    if (!isTokenChar(c)) return malformed("header name has a character that is not allowed (folded or malformed header)");
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  for (const char c : value) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return malformed("header " + std::string(name) + " has a control character");
  }
  if (equalsIgnoringCase(name, "Content-Length") || equalsIgnoringCase(name, "Transfer-Encoding")) {
    return malformed("CONNECT must not carry a body (" + std::string(name) + ")");
  }
  if (equalsIgnoringCase(name, "Proxy-Authorization")) {
    if (request.proxyBearerToken) return malformed("Proxy-Authorization appears twice");
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() <= kBearer.size() || !equalsIgnoringCase(value.substr(0, kBearer.size()), kBearer)) {
      return malformed("Proxy-Authorization must be Bearer <token from $AGENTGUARD_GATE_TOKEN_FILE>");
    }
    std::string_view token = value.substr(kBearer.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    if (token.empty() || token.find(' ') != std::string_view::npos) return malformed("Proxy-Authorization bearer token is empty or has spaces");
    request.proxyBearerToken = std::string(token);
  }
  return std::nullopt;
}

}  // namespace

std::variant<ConnectRequest, ConnectRequestError> parseConnectRequest(std::string_view head) {
  if (head.size() > kMaxConnectHeadBytes) return ConnectRequestError{431, "request head is over 8 KiB"};
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n") return malformed("request head does not end in an empty line");
  ConnectRequest request;
  size_t start = 0;
  bool first = true;
  while (true) {
    const size_t end = head.find(kCrlf, start);
    const std::string_view line = head.substr(start, end - start);
    if (line.empty()) break;  // the blank line: end of the head
    if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
      return malformed("line break that is not CRLF");
    }
    auto problem = first ? readRequestLine(line, request) : readHeader(line, request);
    if (problem) return *problem;
    first = false;
    start = end + kCrlf.size();
  }
  if (first) return malformed("request head is empty");
  if (start + kCrlf.size() != head.size()) return malformed("bytes after the request head's end");
  return request;
}

}  // namespace agentguard::gate::egress
