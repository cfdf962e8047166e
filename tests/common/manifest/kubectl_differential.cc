// Our manifest reader against the real Kubernetes decoder. kubectl (the same sigs.k8s.io/yaml and
// unstructured decoding `kubectl apply` uses) reads each input with `kubectl annotate --local -f - ... -o
// json`, which needs no API server: the objects it prints are the objects it would send. For every input
// both accept, the objects must be the same, field for field (kind, name, namespace and every security
// field included); an input we refuse is safe whatever kubectl does.
//
// Inputs: the parser cases in tests/common/manifest/kubectl_cases/ (accept-* must be read alike by
// both, refuse-* must be refused by us), every policy case and example, and the files of any directory
// listed in AGENTGUARD_DIFFERENTIAL_CORPUS (':'-separated; scripts/fuzz-smoke.sh passes the fuzz corpus).
// AGENTGUARD_KUBECTL names the kubectl binary (default: kubectl on PATH).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "tests/support/local_cluster.h"

namespace agentguard::manifest {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr std::string_view kProbeAnnotation = "agentguard.dev/differential-probe";

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> filesUnder(const fs::path& dir, bool manifestsOnly) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string extension = it->path().extension().string();
    if (!manifestsOnly || extension == ".yaml" || extension == ".yml" || extension == ".json") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> allInputs() {
  const fs::path source(AGENTGUARD_SOURCE_DIR);
  std::vector<fs::path> inputs = filesUnder(source / "tests/common/manifest/kubectl_cases", true);
  for (const char* dir : {"policies", "examples"}) {
    for (auto& file : filesUnder(source / dir, true)) {
      if (file.parent_path().filename() == "cases" || std::string(dir) == "examples") inputs.push_back(std::move(file));
    }
  }
  if (const char* corpus = std::getenv("AGENTGUARD_DIFFERENTIAL_CORPUS"); corpus != nullptr) {
    std::istringstream dirs(corpus);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty()) {
        for (auto& file : filesUnder(dir, false)) inputs.push_back(std::move(file));
      }
    }
  }
  return inputs;
}

// Removes what kubectl annotate added and what both readers may spell differently without meaning
// anything different to the API server: an empty or null annotations map or metadata.
Json normalized(Json object) {
  if (!object.is_object()) return object;
  auto metadata = object.find("metadata");
  if (metadata == object.end()) return object;
  if (metadata->is_object()) {
    auto annotations = metadata->find("annotations");
    if (annotations != metadata->end() && annotations->is_object()) annotations->erase(std::string(kProbeAnnotation));
    if (annotations != metadata->end() && (annotations->is_null() || annotations->empty())) metadata->erase(annotations);
  }
  if (metadata->is_null() || (metadata->is_object() && metadata->empty())) object.erase(metadata);
  return object;
}

std::string describeObject(const Json& object) {
  const auto text = [&](const char* pointer) {
    const Json::json_pointer at(pointer);
    return object.contains(at) && object.at(at).is_string() ? object.at(at).get<std::string>() : std::string("?");
  };
  return text("/kind") + " " + text("/metadata/namespace") + "/" + text("/metadata/name");
}

// Every way the objects we read differ from the objects kubectl applies; empty when they agree.
std::vector<std::string> disagreements(const std::vector<Json>& ours, const std::vector<Json>& theirs) {
  std::vector<std::string> found;
  if (ours.size() != theirs.size()) {
    found.push_back("we read " + std::to_string(ours.size()) + " objects, kubectl " + std::to_string(theirs.size()));
  }
  for (size_t i = 0; i < std::min(ours.size(), theirs.size()); ++i) {
    const Json a = normalized(ours[i]);
    const Json b = normalized(theirs[i]);
    if (a == b) continue;
    const Json patch = Json::diff(a, b);
    std::string paths;
    for (size_t p = 0; p < patch.size() && p < 8; ++p) paths += " " + patch[p].at("path").dump();
    found.push_back("object " + std::to_string(i) + " (ours: " + describeObject(a) + ", kubectl: " +
                    describeObject(b) + ") differs at" + paths + "\n  ours:    " + a.dump() +
                    "\n  kubectl: " + b.dump());
  }
  return found;
}

struct KubectlRead {
  bool accepted = false;
  std::vector<Json> objects;
  std::string error;
};

KubectlRead kubectlRead(const std::string& text) {
  const char* fromEnv = std::getenv("AGENTGUARD_KUBECTL");
  const std::string kubectl = fromEnv != nullptr && *fromEnv != '\0' ? fromEnv : "kubectl";
  testing::CommandOptions options;
  options.stdinText = text;
  options.timeout = std::chrono::seconds(60);
  const testing::CommandResult result = testing::runCommand(
      {kubectl, "annotate", "--local", "-f", "-", std::string(kProbeAnnotation) + "=1", "-o", "json"}, options);
  KubectlRead read;
  if (result.exitCode != 0) {
    read.error = result.err.empty() ? "exit " + std::to_string(result.exitCode) : result.err;
    return read;
  }
  // One JSON object per object, one after the other.
  std::istringstream out(result.out);
  while ((out >> std::ws) && out.peek() != std::char_traits<char>::eof()) {
    Json object;
    out >> object;
    read.objects.push_back(std::move(object));
  }
  read.accepted = true;
  return read;
}

std::string caseName(const ::testing::TestParamInfo<fs::path>& info) {
  const fs::path source(AGENTGUARD_SOURCE_DIR);
  std::string name = fs::relative(info.param, source).string();
  if (name.rfind("..", 0) == 0) name = info.param.string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name + "_" + std::to_string(info.index);
}

// How the inputs fell out, printed at the end so a run over a corpus shows how much was compared.
struct Tally {
  int refusedByUs = 0;
  int refusedByKubectl = 0;
  int compared = 0;
  int objects = 0;
};
Tally tally;

class TallyReport final : public ::testing::Environment {
 public:
  void TearDown() override {
    std::printf("kubectl differential: %d inputs compared (%d objects), %d refused by us, %d refused by kubectl only\n",
                tally.compared, tally.objects, tally.refusedByUs, tally.refusedByKubectl);
  }
};
[[maybe_unused]] ::testing::Environment* const kTallyReport = ::testing::AddGlobalTestEnvironment(new TallyReport);

class KubectlDifferentialTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(KubectlDifferentialTest, ReadsWhatKubectlApplies) {
  const fs::path& path = GetParam();
  const std::string name = path.filename().string();
  const std::string text = readText(path);
  const bool mustAccept = name.rfind("accept-", 0) == 0;
  const bool mustRefuse = name.rfind("refuse-", 0) == 0;

  auto ours = loadManifests(text, name);
  if (mustRefuse) {
    EXPECT_FALSE(ours.ok()) << name << " should be refused";
    ++tally.refusedByUs;
    return;
  }
  if (!ours.ok()) {
    EXPECT_FALSE(mustAccept) << name << ": " << ours.error().message;
    ++tally.refusedByUs;
    return;  // refused: nothing is judged, nothing is admitted
  }
  const KubectlRead theirs = kubectlRead(text);
  if (!theirs.accepted) {
    EXPECT_FALSE(mustAccept) << name << ": kubectl refused it: " << theirs.error;
    ++tally.refusedByKubectl;
    return;  // kubectl applies nothing
  }
  ++tally.compared;
  tally.objects += static_cast<int>(theirs.objects.size());
  std::vector<Json> bodies;
  for (const auto& object : *ours) bodies.push_back(object.body);
  for (const std::string& disagreement : disagreements(bodies, theirs.objects)) {
    ADD_FAILURE() << path.string() << ": " << disagreement;
  }
}

INSTANTIATE_TEST_SUITE_P(Inputs, KubectlDifferentialTest, ::testing::ValuesIn(allInputs()), caseName);

TEST(KubectlDifferentialSelfTest, TheCaseTableIsThere) {
  EXPECT_GE(filesUnder(fs::path(AGENTGUARD_SOURCE_DIR) / "tests/common/manifest/kubectl_cases", true).size(), 40u);
}

TEST(KubectlDifferentialSelfTest, ReportsEveryDisagreement) {
  const Json pod = Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"hostNetwork":true}})");
  Json annotated = pod;
  annotated["metadata"]["annotations"][std::string(kProbeAnnotation)] = "1";
  EXPECT_TRUE(disagreements({pod}, {annotated}).empty());

  Json hidden = annotated;
  hidden["spec"]["hostNetwork"] = false;
  const auto found = disagreements({hidden}, {annotated});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("\"/spec/hostNetwork\""), std::string::npos) << found[0];
  EXPECT_EQ(disagreements({pod}, {annotated, annotated}).size(), 1u);
  EXPECT_EQ(disagreements({pod}, {}).size(), 1u);
}

TEST(KubectlDifferentialSelfTest, KubectlReadsWithoutAServer) {
  const KubectlRead read = kubectlRead("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {hostNetwork: !!bool \"yes\"}\n");
  ASSERT_TRUE(read.accepted) << read.error;
  ASSERT_EQ(read.objects.size(), 1u);
  EXPECT_EQ(read.objects[0]["spec"]["hostNetwork"], true);
}

}  // namespace
}  // namespace agentguard::manifest
