#pragma once

#include <chrono>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/result/result.h"
#include "common/time/clock.h"

// Upgrading agentguard's own CustomResourceDefinitions, which Helm installs from the chart's crds/ but never
// upgrades. The chart's pre-upgrade hook runs `agentguard-operator --upgrade-crds DIR` with the chart's
// CRDs mounted at DIR (docs/install.md#upgrade), as Gatekeeper's CRD upgrade hook does with kubectl.
namespace agentguard::op {

// The CustomResourceDefinitions in the *.yaml files of `directory`, in file-name order. A file that does not
// parse, or a document that is not an apiextensions.k8s.io/v1 CustomResourceDefinition with a name and a spec,
// is an InvalidArgument error naming the file: nothing is applied from a directory with one bad file.
Result<std::vector<nlohmann::json>> readCrdDirectory(const std::filesystem::path& directory);

// Makes each CRD on the server equal to the file: created when absent; otherwise its spec replaced (PUT
// with the live resourceVersion, retried on a conflict), so a property the new schema drops is gone too.
// Labels and annotations are merged, the file's values winning. Then waits, up to `timeout` in all, until
// every CRD is Established. The first failure stops it and is returned, naming the CRD.
Status upgradeCrds(kube::KubeClient& client, const std::vector<nlohmann::json>& crds, log::Logger& logger,
                   const time::Clock& clock, std::chrono::milliseconds timeout);

}  // namespace agentguard::op
