#include "engine/rules/supply_chain/image_reference.h"

#include <array>

#include "common/text/ascii.h"

namespace agentguard::engine::supply_chain {
namespace {

constexpr std::string_view kDockerHub = "docker.io";
constexpr std::array<std::string_view, 2> kDockerHubAliases = {"index.docker.io", "registry-1.docker.io"};
constexpr size_t kMaxTag = 128;
constexpr size_t kMaxName = 255;

using text::isAlnum;
using text::isDigit;
using text::isHexDigit;
using text::isLowerAlnum;
using text::isUpper;

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = text::toLower(c);
  return out;
}

// [a-z0-9]+ joined by '.', '_', '__' or runs of '-'.
bool isPathComponent(std::string_view component) {
  if (component.empty() || !isLowerAlnum(component.front())) return false;
  size_t i = 0;
  while (i < component.size()) {
    if (isLowerAlnum(component[i])) {
      ++i;
      continue;
    }
    if (component[i] == '.') {
      ++i;
    } else if (component[i] == '_') {
      i += (i + 1 < component.size() && component[i + 1] == '_') ? 2 : 1;
    } else if (component[i] == '-') {
      while (i < component.size() && component[i] == '-') ++i;
    } else {
      return false;
    }
    if (i >= component.size() || !isLowerAlnum(component[i])) return false;
  }
  return true;
}

bool isRepositoryPath(std::string_view path) {
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    if (!isPathComponent(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start))) {
      return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool isTag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTag || !(isAlnum(tag[0]) || tag[0] == '_')) return false;
  for (const char c : tag) {
    if (!(isAlnum(c) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

// algorithm:hex, where the algorithm is [a-z0-9]+ joined by '+', '.', '_' or '-'; sha256 and sha512
// digests have their exact lengths, others at least 32 hex digits.
bool isDigest(std::string_view digest) {
  const size_t colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view algorithm = digest.substr(0, colon);
  const std::string_view hex = digest.substr(colon + 1);
  bool previousSeparator = true;
  for (const char c : algorithm) {
    const bool separator = c == '+' || c == '.' || c == '_' || c == '-';
    if (!separator && !isLowerAlnum(c)) return false;
    if (separator && previousSeparator) return false;
    previousSeparator = separator;
  }
  if (previousSeparator) return false;
  for (const char c : hex) {
    if (!isHexDigit(c)) return false;
  }
  if (algorithm == "sha256") return hex.size() == 64;
  if (algorithm == "sha512") return hex.size() == 128;
  return hex.size() >= 32;
}

// host[:port], where host is a DNS name, an IPv4 address or a bracketed IPv6 address.
bool isRegistryHost(std::string_view registry) {
  std::string_view host = registry;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (const char c : host.substr(1, close - 1)) {
      if (!isHexDigit(c) && c != ':' && c != '.') return false;
    }
    host = host.substr(close + 1);
    if (host.empty()) return true;
    if (host.front() != ':') return false;
    host.remove_prefix(1);
    if (host.empty() || host.size() > 5) return false;
    for (const char c : host) {
      if (!isDigit(c)) return false;
    }
    return true;
  }
  const size_t colon = host.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (const char c : port) {
      if (!isDigit(c)) return false;
    }
    host = host.substr(0, colon);
  }
  if (host.empty() || host.front() == '.' || host.back() == '.' || host.front() == '-') return false;
  for (size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    if (!(isAlnum(c) || c == '-' || c == '.')) return false;
    if (c == '.' && host[i - 1] == '.') return false;
  }
  return true;
}

// How the runtimes tell a registry from the first path component of a Docker Hub repository.
bool namesRegistry(std::string_view component) {
  if (component == "localhost") return true;
  for (const char c : component) {
    if (c == '.' || c == ':' || isUpper(c)) return true;
  }
  return false;
}

std::string normalizedRegistry(std::string_view registry) {
  std::string lower = lowerCase(registry);
  for (const auto alias : kDockerHubAliases) {
    if (lower == alias) return std::string(kDockerHub);
  }
  return lower;
}

}  // namespace

std::optional<ImageReference> parseImageReference(std::string_view text) {
  if (text.empty()) return std::nullopt;
  ImageReference image;
  std::string_view rest = text;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    image.digest = std::string(rest.substr(at + 1));
    if (!isDigest(image.digest)) return std::nullopt;
    rest = rest.substr(0, at);
  }
  const size_t lastSlash = rest.rfind('/');
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (lastSlash == std::string_view::npos || colon > lastSlash)) {
    image.tag = std::string(rest.substr(colon + 1));
    if (!isTag(image.tag)) return std::nullopt;
    rest = rest.substr(0, colon);
  }
  const size_t firstSlash = rest.find('/');
  std::string_view path = rest;
  if (firstSlash != std::string_view::npos && namesRegistry(rest.substr(0, firstSlash))) {
    if (!isRegistryHost(rest.substr(0, firstSlash))) return std::nullopt;
    image.registry = normalizedRegistry(rest.substr(0, firstSlash));
    path = rest.substr(firstSlash + 1);
  } else {
    image.registry = std::string(kDockerHub);
  }
  if (path.size() > kMaxName || !isRepositoryPath(path)) return std::nullopt;
  image.repository = (image.registry == kDockerHub && path.find('/') == std::string_view::npos)
                         ? "library/" + std::string(path)
                         : std::string(path);
  return image;
}

std::optional<RegistryPattern> RegistryPattern::parse(std::string_view text, std::string& problem) {
  RegistryPattern pattern;
  pattern.text_ = std::string(text);
  std::string_view rest = text;
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) {
    problem = "an allowed registry must not be empty";
    return std::nullopt;
  }
  if (rest.find("://") != std::string_view::npos) {
    problem = "\"" + pattern.text_ + "\" has a scheme; write the registry alone, e.g. registry.example.com";
    return std::nullopt;
  }
  const size_t slash = rest.find('/');
  std::string_view host = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view prefix = rest.substr(slash + 1);
    if (!isRepositoryPath(prefix)) {
      problem = "\"" + pattern.text_ + "\": the repository prefix must be lower-case path components";
      return std::nullopt;
    }
    pattern.pathPrefix_ = std::string(prefix);
  }
  if (host.substr(0, 2) == "*.") {
    pattern.wildcard_ = true;
    host.remove_prefix(2);
    if (host.find('.') == std::string_view::npos || !isRegistryHost(host)) {
      problem = "\"" + pattern.text_ + "\": a wildcard needs a domain with a dot after \"*.\", e.g. *.example.com";
      return std::nullopt;
    }
    pattern.host_ = "." + lowerCase(host);
    return pattern;
  }
  if (!namesRegistry(host) || !isRegistryHost(host)) {
    problem = "\"" + pattern.text_ + "\" does not start with a registry host; Docker Hub repositories are written "
              "docker.io/" + std::string(rest);
    return std::nullopt;
  }
  pattern.host_ = normalizedRegistry(host);
  return pattern;
}

bool RegistryPattern::matches(const ImageReference& image) const {
  const std::string& registry = image.registry;
  const bool hostMatches = wildcard_ ? registry.size() > host_.size() &&
                                           registry.compare(registry.size() - host_.size(), host_.size(), host_) == 0
                                     : registry == host_;
  if (!hostMatches) return false;
  if (pathPrefix_.empty()) return true;
  const std::string& repository = image.repository;
  return repository == pathPrefix_ ||
         (repository.size() > pathPrefix_.size() && repository.compare(0, pathPrefix_.size(), pathPrefix_) == 0 &&
          repository[pathPrefix_.size()] == '/');
}

}  // namespace agentguard::engine::supply_chain
