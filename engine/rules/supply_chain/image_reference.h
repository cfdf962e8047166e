#pragma once

#include <optional>
#include <string>
#include <string_view>

// Container image references as the container runtimes read them: "nginx" is
// docker.io/library/nginx:latest, "localhost:5000/tool" names a registry, and a digest pins the content.
namespace agentguard::engine::supply_chain {

struct ImageReference {
  std::string registry;    // lower case, with port if any: "docker.io", "registry.example.com:5000"
  std::string repository;  // "library/nginx", "example-org/agent"
  std::string tag;         // "" when the reference names none
  std::string digest;      // "sha256:<hex>" when pinned, else ""

  // registry/repository, e.g. docker.io/library/nginx.
  std::string name() const { return registry + "/" + repository; }
};

// Parses a reference following the grammar of the distribution project: [registry/]path[:tag][@digest].
// The first path component is a registry when it contains '.' or ':' or is "localhost"; otherwise the
// image is on Docker Hub, whose single-component names live under library/. index.docker.io and
// registry-1.docker.io are read as docker.io. Returns nothing for a malformed reference (upper-case
// repository, empty component, bad tag or digest).
std::optional<ImageReference> parseImageReference(std::string_view text);

// An allowed source of images, as written in a policy: a registry ("registry.example.com",
// "registry.example.com:5000"), a registry with a repository prefix ("ghcr.io/example-org",
// "docker.io/library"), or every subdomain of a domain ("*.dkr.ecr.eu-west-1.amazonaws.com").
// Prefixes match whole path components: ghcr.io/example-org does not admit ghcr.io/example-org-fork.
class RegistryPattern {
 public:
  // Nothing, with `problem` set, for an entry that cannot be a registry: empty, with a scheme, or whose
  // first component is not a host (write Docker Hub organisations as docker.io/<org>).
  static std::optional<RegistryPattern> parse(std::string_view text, std::string& problem);

  bool matches(const ImageReference& image) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;        // as written
  std::string host_;        // lower case; for a wildcard, the suffix that follows '*' (".example.com")
  bool wildcard_ = false;
  std::string pathPrefix_;  // repository prefix, "" for the whole registry
};

}  // namespace agentguard::engine::supply_chain
