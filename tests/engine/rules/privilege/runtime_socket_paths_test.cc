#include "engine/rules/privilege/runtime_socket_paths.h"

#include <string>

#include <gtest/gtest.h>

namespace agentguard::engine::privilege {
namespace {

struct CanonicalCase {
  std::string name;
  std::string input;
  std::string canonical;
};

class CanonicalHostPathTest : public ::testing::TestWithParam<CanonicalCase> {};

TEST_P(CanonicalHostPathTest, Canonicalizes) {
  EXPECT_EQ(canonicalHostPath(GetParam().input), GetParam().canonical);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CanonicalHostPathTest,
    ::testing::Values(CanonicalCase{"Root", "/", "/"},
                      CanonicalCase{"Empty", "", "/"},
                      CanonicalCase{"TrailingSlash", "/var/lib/docker/", "/var/lib/docker"},
                      CanonicalCase{"DoubleSlashes", "//var//run///docker.sock", "/run/docker.sock"},
                      CanonicalCase{"DotSegments", "/var/./lib/docker/.", "/var/lib/docker"},
                      CanonicalCase{"DotDot", "/var/log/../run/docker.sock", "/run/docker.sock"},
                      CanonicalCase{"DotDotAboveRoot", "/../../run", "/run"},
                      CanonicalCase{"VarRunIsRun", "/var/run", "/run"},
                      CanonicalCase{"VarRunnerIsNotRun", "/var/runner", "/var/runner"},
                      CanonicalCase{"Relative", "var/run/crio", "/run/crio"}),
    [](const auto& tested) { return tested.param.name; });

struct ExposureCase {
  std::string name;
  std::string hostPath;
  bool exposed;
  Exposure exposure;
  std::string runtimePath;
};

class RuntimeExposureTest : public ::testing::TestWithParam<ExposureCase> {};

TEST_P(RuntimeExposureTest, MatchesDefaultPaths) {
  const RuntimeSocketPaths paths(defaultRuntimePaths());
  const auto match = paths.exposedBy(GetParam().hostPath);
  ASSERT_EQ(match.has_value(), GetParam().exposed) << GetParam().hostPath;
  if (!match) return;
  EXPECT_EQ(match->exposure, GetParam().exposure);
  EXPECT_EQ(match->runtimePath, GetParam().runtimePath);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RuntimeExposureTest,
    ::testing::Values(
        ExposureCase{"DockerSocket", "/var/run/docker.sock", true, Exposure::kSame, "/var/run/docker.sock"},
        ExposureCase{"DockerSocketViaRun", "/run/docker.sock", true, Exposure::kSame, "/var/run/docker.sock"},
        ExposureCase{"ContainerdSocket", "/run/containerd/containerd.sock", true, Exposure::kSame,
                     "/var/run/containerd/containerd.sock"},
        ExposureCase{"ContainerdDirectory", "/run/containerd", true, Exposure::kContains,
                     "/var/run/containerd/containerd.sock"},
        ExposureCase{"CrioDirectory", "/var/run/crio", true, Exposure::kContains, "/var/run/crio/crio.sock"},
        ExposureCase{"CriDockerd", "/var/run/cri-dockerd.sock", true, Exposure::kSame, "/var/run/cri-dockerd.sock"},
        ExposureCase{"VarRunParent", "/var/run", true, Exposure::kContains, "/var/run/docker.sock"},
        ExposureCase{"VarRunParentTrailingSlash", "/var/run/", true, Exposure::kContains, "/var/run/docker.sock"},
        ExposureCase{"Root", "/", true, Exposure::kContains, "/var/run/docker.sock"},
        ExposureCase{"VarParentOfDockerState", "/var", true, Exposure::kContains, "/var/lib/docker"},
        ExposureCase{"InsideDockerState", "/var/lib/docker/containers", true, Exposure::kInside, "/var/lib/docker"},
        ExposureCase{"DotDotIntoSocket", "/var/log/../run/docker.sock", true, Exposure::kSame,
                     "/var/run/docker.sock"},
        ExposureCase{"VarLog", "/var/log", false, Exposure::kSame, ""},
        ExposureCase{"SimilarPrefix", "/var/lib/dockerfiles", false, Exposure::kSame, ""},
        ExposureCase{"OtherRunSocket", "/run/user/1000/bus", false, Exposure::kSame, ""},
        ExposureCase{"Etc", "/etc/ssl/certs", false, Exposure::kSame, ""}),
    [](const auto& tested) { return tested.param.name; });

TEST(RuntimeSocketPathsTest, UsesConfiguredPathsOnly) {
  const RuntimeSocketPaths paths({"/srv/runtime.sock"});
  EXPECT_TRUE(paths.exposedBy("/srv").has_value());
  EXPECT_FALSE(paths.exposedBy("/var/run/docker.sock").has_value());
  EXPECT_FALSE(RuntimeSocketPaths({}).exposedBy("/").has_value());
}

}  // namespace
}  // namespace agentguard::engine::privilege
