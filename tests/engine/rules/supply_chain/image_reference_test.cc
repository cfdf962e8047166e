#include "engine/rules/supply_chain/image_reference.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace agentguard::engine::supply_chain {
namespace {

constexpr std::string_view kSha256 = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

struct ParseCase {
  std::string name;
  std::string text;
  std::string registry;
  std::string repository;
  std::string tag;
  std::string digest;
};

void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.name; }

class ParseImageReferenceTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseImageReferenceTest, Parses) {
  const auto& c = GetParam();
  const auto image = parseImageReference(c.text);
  ASSERT_TRUE(image) << c.text;
  EXPECT_EQ(image->registry, c.registry);
  EXPECT_EQ(image->repository, c.repository);
  EXPECT_EQ(image->tag, c.tag);
  EXPECT_EQ(image->digest, c.digest);
}

template <typename Case>
std::string caseName(const ::testing::TestParamInfo<Case>& param) {
  return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(
    References, ParseImageReferenceTest,
    ::testing::Values(
        ParseCase{"official_image", "nginx", "docker.io", "library/nginx", "", ""},
        ParseCase{"official_image_tag", "nginx:1.25.3", "docker.io", "library/nginx", "1.25.3", ""},
        ParseCase{"library_prefix", "library/nginx:latest", "docker.io", "library/nginx", "latest", ""},
        ParseCase{"explicit_docker_hub", "docker.io/nginx", "docker.io", "library/nginx", "", ""},
        ParseCase{"docker_hub_alias", "index.docker.io/library/nginx", "docker.io", "library/nginx", "", ""},
        ParseCase{"docker_hub_org", "bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", ""},
        ParseCase{"registry", "ghcr.io/example-org/agent:v1.2.0", "ghcr.io", "example-org/agent", "v1.2.0", ""},
        ParseCase{"registry_port", "registry.example.com:5000/a/b/c:tag_1", "registry.example.com:5000", "a/b/c",
                  "tag_1", ""},
        ParseCase{"localhost", "localhost/agent", "localhost", "agent", "", ""},
        ParseCase{"localhost_port_no_tag", "localhost:5000/agent", "localhost:5000", "agent", "", ""},
        ParseCase{"upper_case_registry", "Registry.Example.com/agent:1", "registry.example.com", "agent", "1", ""},
        ParseCase{"ipv4_registry", "10.0.0.5:5000/agent:1", "10.0.0.5:5000", "agent", "1", ""},
        ParseCase{"ipv6_registry", "[fd00::1]:5000/agent", "[fd00::1]:5000", "agent", "", ""},
        ParseCase{"digest", "nginx@" + std::string(kSha256), "docker.io", "library/nginx", "",
                  std::string(kSha256)},
        ParseCase{"tag_and_digest", "registry.example.com/agent:1.0@" + std::string(kSha256), "registry.example.com",
                  "agent", "1.0", std::string(kSha256)},
        ParseCase{"separators", "registry.example.com/a.b/c__d/e---f:x", "registry.example.com", "a.b/c__d/e---f",
                  "x", ""}),
    caseName<ParseCase>);

TEST(ParseImageReferenceTest, RejectsMalformed) {
  for (const std::string& text : std::vector<std::string>{
           "", "NGINX", "Nginx:1", "nginx:", "nginx:-1", "nginx:a b", "nginx@sha256:abc", "nginx@sha256:" + std::string(63, 'a'),
        "nginx@:abc", "/nginx", "nginx/", "a//b", "registry.example.com/", "registry.example.com:port/a",
        "nginx::1", "a_-b", "-a", "a-", "ex ample/agent", "registry..example.com/a", "nginx@md5:0123"}) {
    EXPECT_FALSE(parseImageReference(text)) << "\"" << text << "\"";
  }
}

TEST(ParseImageReferenceTest, Name) {
  EXPECT_EQ(parseImageReference("nginx")->name(), "docker.io/library/nginx");
  EXPECT_EQ(parseImageReference("ghcr.io/example-org/agent")->name(), "ghcr.io/example-org/agent");
}

bool allows(std::string_view pattern, std::string_view image) {
  std::string problem;
  const auto parsed = RegistryPattern::parse(pattern, problem);
  EXPECT_TRUE(parsed) << pattern << ": " << problem;
  const auto reference = parseImageReference(image);
  EXPECT_TRUE(reference) << image;
  return parsed && reference && parsed->matches(*reference);
}

TEST(RegistryPatternTest, Matches) {
  EXPECT_TRUE(allows("docker.io", "nginx"));
  EXPECT_TRUE(allows("docker.io", "bitnami/redis"));
  EXPECT_TRUE(allows("docker.io/library", "nginx:1.25"));
  EXPECT_FALSE(allows("docker.io/library", "bitnami/redis"));
  EXPECT_TRUE(allows("index.docker.io", "docker.io/library/nginx"));
  EXPECT_TRUE(allows("registry.example.com", "registry.example.com/agents/x:1"));
  EXPECT_TRUE(allows("Registry.Example.com/", "registry.example.com/agents/x:1"));
  EXPECT_FALSE(allows("registry.example.com", "registry.example.com.evil.io/agents/x"));
  EXPECT_FALSE(allows("registry.example.com", "registry.example.com:5000/agents/x"));
  EXPECT_TRUE(allows("registry.example.com:5000", "registry.example.com:5000/agents/x"));
  EXPECT_FALSE(allows("registry.example.com", "nginx"));
  EXPECT_TRUE(allows("ghcr.io/example-org", "ghcr.io/example-org/agent"));
  EXPECT_TRUE(allows("ghcr.io/example-org/agent", "ghcr.io/example-org/agent@sha256:" + std::string(64, 'a')));
  EXPECT_FALSE(allows("ghcr.io/example-org", "ghcr.io/example-org-fork/agent"));
  EXPECT_FALSE(allows("ghcr.io/example-org", "ghcr.io/other/example-org"));
  EXPECT_TRUE(allows("*.dkr.ecr.eu-west-1.amazonaws.com", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/agent:1"));
  EXPECT_FALSE(allows("*.dkr.ecr.eu-west-1.amazonaws.com", "dkr.ecr.eu-west-1.amazonaws.com/agent:1"));
  EXPECT_FALSE(allows("*.example.com", "registry.example.com:5000/agent"));
  EXPECT_TRUE(allows("localhost:5000", "localhost:5000/agent"));
}

TEST(RegistryPatternTest, RejectsEntriesThatAreNotRegistries) {
  for (const char* text : {"", "/", "https://registry.example.com", "bitnami", "library/nginx",
                           "registry.example.com/Upper", "*.com-", "*", "*.localhost", "registry example.com"}) {
    std::string problem;
    EXPECT_FALSE(RegistryPattern::parse(text, problem)) << text;
    EXPECT_FALSE(problem.empty()) << text;
  }
  std::string problem;
  RegistryPattern::parse("bitnami", problem);
  EXPECT_NE(problem.find("docker.io/bitnami"), std::string::npos) << problem;
}

}  // namespace
}  // namespace agentguard::engine::supply_chain
