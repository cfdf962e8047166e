#include "operator/crds/crd_upgrade.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/scratch_dir.h"

namespace agentguard::op {
namespace {

class CrdDirectory : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  agentguard::testing::ScratchDir dir_{"crds"};
};

constexpr const char* kCrd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %s.example.test
spec:
  group: example.test
  names: {kind: Thing, plural: things}
  scope: Namespaced
  versions: []
)";

std::string crd(const std::string& plural) {
  std::string text = kCrd;
  text.replace(text.find("%s"), 2, plural);
  return text;
}

TEST_F(CrdDirectory, ReadsEveryCrdOfTheYamlFilesInFileNameOrder) {
  write("b.yaml", crd("bees"));
  write("a.yaml", crd("ants") + "---\n" + crd("apes"));
  write("README.md", "not a CRD, not read");
  auto crds = readCrdDirectory(dir_.path());
  ASSERT_TRUE(crds.ok()) << crds.error().describe();
  ASSERT_EQ(crds->size(), 3u);
  EXPECT_EQ((*crds)[0]["metadata"]["name"], "ants.example.test");
  EXPECT_EQ((*crds)[1]["metadata"]["name"], "apes.example.test");
  EXPECT_EQ((*crds)[2]["metadata"]["name"], "bees.example.test");
}

TEST_F(CrdDirectory, FollowsTheSymbolicLinksOfAMountedConfigMap) {
  std::filesystem::create_directories(dir_ / "..2026_12_07" );
  std::ofstream(dir_ / "..2026_12_07" / "things.yaml") << crd("things");
  std::filesystem::create_directory_symlink("..2026_12_07", dir_ / "..data");
  std::filesystem::create_symlink("..data/things.yaml", dir_ / "things.yaml");
  auto crds = readCrdDirectory(dir_.path());
  ASSERT_TRUE(crds.ok()) << crds.error().describe();
  ASSERT_EQ(crds->size(), 1u);
  EXPECT_EQ((*crds)[0]["metadata"]["name"], "things.example.test");
}

TEST_F(CrdDirectory, RefusesTheWholeDirectoryForOneBadDocument) {
  struct Case {
    const char* name;
    std::string text;
    const char* messagePart;
  };
  const Case cases[] = {
      {"not a CRD", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "expected apiextensions.k8s.io/v1"},
      {"old API version", "apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\nmetadata: {name: x}\nspec: {}\n",
       "expected apiextensions.k8s.io/v1"},
      {"no name", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {}\nspec: {}\n",
       "metadata.name"},
      {"no spec", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\n", "no spec"},
      {"a list", "- 1\n- 2\n", "not a mapping"},
      {"malformed YAML", "apiVersion: [\n", "z.yaml"},
      {"duplicate key", "apiVersion: a\napiVersion: b\n", "z.yaml"},
  };
  for (const Case& c : cases) {
    std::filesystem::remove_all(dir_.path());
    std::filesystem::create_directories(dir_.path());
    write("a.yaml", crd("ants"));
    write("z.yaml", c.text);
    auto crds = readCrdDirectory(dir_.path());
    ASSERT_FALSE(crds.ok()) << c.name;
    EXPECT_EQ(crds.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(crds.error().describe().find(c.messagePart), std::string::npos) << c.name << ": " << crds.error().describe();
    EXPECT_NE(crds.error().describe().find("z.yaml"), std::string::npos) << c.name << ": names the file";
  }
}

TEST_F(CrdDirectory, RefusesAnEmptyOrMissingDirectory) {
  EXPECT_FALSE(readCrdDirectory(dir_.path()).ok());
  write("notes.txt", "x");
  EXPECT_FALSE(readCrdDirectory(dir_.path()).ok());
  EXPECT_FALSE(readCrdDirectory(dir_ / "absent").ok());
}

}  // namespace
}  // namespace agentguard::op
