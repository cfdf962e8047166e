#include "engine/rules/privilege/allowed_values.h"

#include <string>

#include <gtest/gtest.h>

namespace agentguard::engine::privilege {
namespace {

struct ListCase {
  std::string name;
  std::string list;  // baseline-capabilities | restricted-capabilities | sysctls | volumes | selinux
  std::string value;
  bool allowed;
};

NameList listNamed(const std::string& list) {
  if (list == "baseline-capabilities") return NameList(baselineCapabilities());
  if (list == "restricted-capabilities") return NameList(restrictedCapabilities());
  if (list == "sysctls") return NameList(safeSysctls());
  if (list == "volumes") return NameList(restrictedVolumeTypes());
  return allowedSeLinuxTypes();
}

class AllowListTest : public ::testing::TestWithParam<ListCase> {};

TEST_P(AllowListTest, MatchesExactly) {
  EXPECT_EQ(listNamed(GetParam().list).contains(GetParam().value), GetParam().allowed)
      << GetParam().list << " / " << GetParam().value;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AllowListTest,
    ::testing::Values(
        // Baseline: the runtime default set, exact upper-case names without CAP_.
        ListCase{"BaselineChown", "baseline-capabilities", "CHOWN", true},
        ListCase{"BaselineNetBindService", "baseline-capabilities", "NET_BIND_SERVICE", true},
        ListCase{"BaselineSysChroot", "baseline-capabilities", "SYS_CHROOT", true},
        ListCase{"BaselineSysAdmin", "baseline-capabilities", "SYS_ADMIN", false},
        ListCase{"BaselineNetRawIsNotInTheStandard", "baseline-capabilities", "NET_RAW", false},
        ListCase{"BaselineNetAdmin", "baseline-capabilities", "NET_ADMIN", false},
        ListCase{"BaselineAll", "baseline-capabilities", "ALL", false},
        ListCase{"BaselineCapPrefix", "baseline-capabilities", "CAP_CHOWN", false},
        ListCase{"BaselineLowerCase", "baseline-capabilities", "chown", false},
        ListCase{"BaselineEmpty", "baseline-capabilities", "", false},
        ListCase{"RestrictedNetBindService", "restricted-capabilities", "NET_BIND_SERVICE", true},
        ListCase{"RestrictedChown", "restricted-capabilities", "CHOWN", false},
        // Sysctls: the namespaced safe set, dotted names only.
        ListCase{"SysctlShmRmidForced", "sysctls", "kernel.shm_rmid_forced", true},
        ListCase{"SysctlPortRange", "sysctls", "net.ipv4.ip_local_port_range", true},
        ListCase{"SysctlReservedPorts", "sysctls", "net.ipv4.ip_local_reserved_ports", true},
        ListCase{"SysctlKeepaliveProbes", "sysctls", "net.ipv4.tcp_keepalive_probes", true},
        ListCase{"SysctlFinTimeout", "sysctls", "net.ipv4.tcp_fin_timeout", true},
        ListCase{"SysctlMsgmax", "sysctls", "kernel.msgmax", false},
        ListCase{"SysctlSomaxconn", "sysctls", "net.core.somaxconn", false},
        ListCase{"SysctlIpForward", "sysctls", "net.ipv4.ip_forward", false},
        ListCase{"SysctlSlashSpelling", "sysctls", "net/ipv4/tcp_syncookies", false},
        ListCase{"SysctlPrefixOnly", "sysctls", "net.ipv4", false},
        // Volume types restricted allows.
        ListCase{"VolumeEmptyDir", "volumes", "emptyDir", true},
        ListCase{"VolumeProjected", "volumes", "projected", true},
        ListCase{"VolumeEphemeral", "volumes", "ephemeral", true},
        ListCase{"VolumeCsi", "volumes", "csi", true},
        ListCase{"VolumeHostPath", "volumes", "hostPath", false},
        ListCase{"VolumeNfs", "volumes", "nfs", false},
        ListCase{"VolumeGitRepo", "volumes", "gitRepo", false},
        ListCase{"VolumeWrongCase", "volumes", "EmptyDir", false},
        // SELinux types.
        ListCase{"SeLinuxContainerT", "selinux", "container_t", true},
        ListCase{"SeLinuxEngineT", "selinux", "container_engine_t", true},
        ListCase{"SeLinuxSpcT", "selinux", "spc_t", false},
        ListCase{"SeLinuxUnconfinedT", "selinux", "unconfined_t", false}),
    [](const auto& tested) { return tested.param.name; });

TEST(AllowListTest, DefaultListsHaveTheStandardSizes) {
  EXPECT_EQ(baselineCapabilities().size(), 13u);
  EXPECT_EQ(restrictedCapabilities().size(), 1u);
  EXPECT_EQ(safeSysctls().size(), 12u);  // Pod Security Standards v1.34
  EXPECT_EQ(restrictedVolumeTypes().size(), 8u);
}

TEST(NameListTest, JoinsForMessages) {
  EXPECT_EQ(NameList({"A"}).joined(), "A");
  EXPECT_EQ(NameList({"A", "B"}).joined(), "A and B");
  EXPECT_EQ(NameList({"A", "B", "C"}).joined(), "A, B and C");
  EXPECT_EQ(NameList().joined(), "");
  EXPECT_FALSE(NameList().contains(""));
}

TEST(ProfileTypeTest, OnlyRuntimeDefaultAndLocalhostConfine) {
  EXPECT_TRUE(isConfiningProfileType("RuntimeDefault"));
  EXPECT_TRUE(isConfiningProfileType("Localhost"));
  EXPECT_FALSE(isConfiningProfileType("Unconfined"));
  EXPECT_FALSE(isConfiningProfileType("runtime/default"));
  EXPECT_FALSE(isConfiningProfileType(""));
}

}  // namespace
}  // namespace agentguard::engine::privilege
