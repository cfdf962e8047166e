#include "operator/crds/crd_upgrade.h"

#include <algorithm>
#include <string>
#include <thread>

#include "common/file/file_contents.h"
#include "common/manifest/yaml_stream.h"

namespace agentguard::op {
namespace {

using nlohmann::json;
constexpr int kConflictAttempts = 5;
constexpr auto kEstablishedPoll = std::chrono::milliseconds(200);

Status checkCrd(const json& document, const std::string& where) {
  const auto bad = [&](const std::string& what) {
    return makeError(ErrorCode::kInvalidArgument, where + ": " + what);
  };
  if (!document.is_object()) return bad("is not a mapping");
  if (document.value("apiVersion", "") != "apiextensions.k8s.io/v1" ||
      document.value("kind", "") != "CustomResourceDefinition") {
    return bad("is " + document.value("apiVersion", std::string("?")) + " " + document.value("kind", std::string("?")) +
               ", expected apiextensions.k8s.io/v1 CustomResourceDefinition");
  }
  const json* metadata = document.contains("metadata") ? &document["metadata"] : nullptr;
  if (!metadata || !metadata->is_object() || !(*metadata).contains("name") || !(*metadata)["name"].is_string() ||
      (*metadata)["name"].get<std::string>().empty()) {
    return bad("has no metadata.name");
  }
  if (!document.contains("spec") || !document["spec"].is_object()) return bad("has no spec");
  return okStatus();
}

std::string crdName(const json& crd) { return crd["metadata"]["name"].get<std::string>(); }

// `live` with the file's spec, and the file's labels and annotations over the live ones.
json replacement(const json& live, const json& file) {
  json out = file;
  out["metadata"] = live["metadata"];
  for (const char* field : {"labels", "annotations"}) {
    if (!file["metadata"].contains(field)) continue;
    json merged = live["metadata"].value(field, json::object());
    merged.update(file["metadata"][field]);
    out["metadata"][field] = std::move(merged);
  }
  out.erase("status");
  return out;
}

Status upgradeOne(kube::KubeClient& client, const json& crd, log::Logger& logger) {
  const kube::Resource& resource = kube::resources::customResourceDefinitions();
  const std::string name = crdName(crd);
  for (int attempt = 1;; ++attempt) {
    auto live = client.get(resource, "", name);
    if (!live.ok() && live.error().code == ErrorCode::kNotFound) {
      auto created = client.create(resource, "", crd);
      if (created.ok()) {
        logger.info("Created CustomResourceDefinition", {{"customResourceDefinition", name}});
        return okStatus();
      }
      if (created.error().code != ErrorCode::kAlreadyExists || attempt == kConflictAttempts) {
        return makeError(created.error().code, "creating CustomResourceDefinition " + name + ": " +
                                                   created.error().describe());
      }
      continue;
    }
    if (!live.ok()) {
      return makeError(live.error().code, "reading CustomResourceDefinition " + name + ": " + live.error().describe());
    }
    const json wanted = replacement(*live, crd);
    if (wanted["spec"] == (*live)["spec"] && wanted["metadata"] == (*live)["metadata"]) {
      logger.info("CustomResourceDefinition already up to date", {{"customResourceDefinition", name}});
      return okStatus();
    }
    auto replaced = client.replace(resource, "", name, wanted);
    if (replaced.ok()) {
      logger.info("Upgraded CustomResourceDefinition", {{"customResourceDefinition", name}});
      return okStatus();
    }
    if (replaced.error().code != ErrorCode::kConflict || attempt == kConflictAttempts) {
      return makeError(replaced.error().code, "replacing CustomResourceDefinition " + name + ": " +
                                                  replaced.error().describe());
    }
  }
}

bool established(const json& crd) {
  for (const json& condition : crd.value("status", json::object()).value("conditions", json::array())) {
    if (condition.value("type", "") == "Established") return condition.value("status", "") == "True";
  }
  return false;
}

}  // namespace

Result<std::vector<json>> readCrdDirectory(const std::filesystem::path& directory) {
  std::error_code error;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    // A mounted ConfigMap holds its keys as symbolic links (..data/KEY): follow them.
    if (it->path().extension() == ".yaml" && std::filesystem::is_regular_file(it->path())) files.push_back(it->path());
  }
  if (error) {
    return makeError(ErrorCode::kInvalidArgument, "CRD directory " + directory.string() + ": " + error.message());
  }
  std::sort(files.begin(), files.end());
  std::vector<json> crds;
  for (const std::filesystem::path& path : files) {
    auto text = file::readFileContents(path.string(), "CRD file");
    if (!text.ok()) return text.error();
    auto documents = manifest::parseYamlStream(*text);
    if (!documents.ok()) {
      return makeError(ErrorCode::kInvalidArgument, path.string() + ": " + documents.error().describe());
    }
    for (manifest::ParsedDocument& document : *documents) {
      const std::string where = path.string() + ":" + std::to_string(document.line);
      if (Status valid = checkCrd(document.value, where); !valid.ok()) return valid.error();
      crds.push_back(std::move(document.value));
    }
  }
  if (crds.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "CRD directory " + directory.string() + " holds no *.yaml CRD");
  }
  return crds;
}

Status upgradeCrds(kube::KubeClient& client, const std::vector<json>& crds, log::Logger& logger,
                   const time::Clock& clock, std::chrono::milliseconds timeout) {
  for (const json& crd : crds) {
    if (Status done = upgradeOne(client, crd, logger); !done.ok()) return done;
  }
  const auto deadline = clock.now() + timeout;
  for (const json& crd : crds) {
    const std::string name = crdName(crd);
    while (true) {
      auto live = client.get(kube::resources::customResourceDefinitions(), "", name);
      if (live.ok() && established(*live)) break;
      if (clock.now() >= deadline) {
        return makeError(ErrorCode::kUnavailable,
                         "CustomResourceDefinition " + name + " not Established within " +
                             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
                             "s" + (live.ok() ? "" : ": " + live.error().describe()));
      }
      std::this_thread::sleep_for(kEstablishedPoll);
    }
  }
  return okStatus();
}

}  // namespace agentguard::op
