#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/result/result.h"

namespace agentguard::cli {

// A directory whose manifests exist only once a tool renders them: a Helm chart (Chart.yaml) or a
// Kustomize overlay (kustomization.yaml, .yml or Kustomization).
enum class RenderedKind { kNone, kHelmChart, kKustomization };
RenderedKind renderedKindOf(const std::string& directory);

// One rendered manifest and the file it came from: for a chart, the template helm names in its
// "# Source: CHART/templates/x.yaml" comment, reported under the chart directory
// (charts/app/templates/x.yaml); for an overlay, DIR/kustomization.yaml.
struct RenderedFile {
  std::string name;
  std::string text;
};

struct RenderOptions {
  std::vector<std::string> helmValues;  // --helm-values files, in order (helm template --values)
  size_t maxBytes = 0;                  // the bound on the rendered output
  std::chrono::seconds timeout{120};
};

// Renders `directory` with `helm template` or `kubectl kustomize`, found on PATH. InvalidArgument naming the
// directory and the fix when the tool is not installed, fails (its stderr), times out or writes more than
// maxBytes: an unrendered chart is an input that could not be checked, never a pass.
Result<std::vector<RenderedFile>> renderDirectory(const std::string& directory, RenderedKind kind,
                                                  const RenderOptions& options);

// Splits helm's output at its "# Source: PATH" comments into one file per template, each named by
// `chartDirectory` joined with PATH minus its first component (the chart's name); text before the first
// comment, if any, goes under chartDirectory/Chart.yaml.
std::vector<RenderedFile> splitHelmOutput(std::string_view output, const std::string& chartDirectory);

// True when `path` is a file in the templates/ folder of a Helm chart (an ancestor holds Chart.yaml).
bool isHelmTemplate(const std::string& path);

}  // namespace agentguard::cli
