#pragma once

#include <istream>
#include <string>
#include <vector>

#include "common/manifest/manifest_object.h"
#include "common/result/result.h"

namespace agentguard::cli {

struct InputText {
  std::string name;   // path as given or found, or "-" for stdin
  std::string text;
  std::string error;  // why the input could not be read ("" when it was): it names the input
};

struct InputOptions {
  size_t maxBytes = 0;                // the bound on each input
  std::vector<std::string> excludes;  // --exclude globs, applied while walking directories
  std::string stdinName = "-";        // the name stdin's text is reported under (--stdin-name)
  std::vector<std::string> helmValues;  // --helm-values files for the charts found (helm template --values)
};

// Expands the PATH arguments of `agentguard check`: files as given, directories recursively (*.yaml,
// *.yml, *.json, sorted, hidden entries skipped), "-" for `stdin`. Each input is bounded by maxBytes.
// While walking a directory, an entry is skipped when an exclude glob (fnmatch; '*' also matches '/')
// matches its path relative to the directory, its path as reported, or its name; a skipped directory is
// not entered. A file named on the command line is always read.
// A directory holding Chart.yaml (named or found while walking) is a Helm chart: it is rendered with
// `helm template` and not walked, and each rendered template is an input named after its "# Source:"
// path under the chart directory. A directory holding kustomization.yaml is rendered with `kubectl
// kustomize` as one input, DIR/kustomization.yaml (rendered_inputs.h). A template file of a chart named on
// the command line is an error pointing at the chart, never "malformed YAML".
// A missing, unreadable or oversized input, and a chart or overlay that cannot be rendered (the tool is
// not installed, or fails), is kept in order with its error set, so the report can name it and the run
// fails; the other inputs are still read.
std::vector<InputText> readInputs(const std::vector<std::string>& paths, std::istream& stdinStream,
                                  const InputOptions& options);

// True when one of `globs` matches `relative` (a path under a walked directory), `reported` or `name`.
bool isExcluded(const std::vector<std::string>& globs, const std::string& relative, const std::string& reported,
                const std::string& name);

}  // namespace agentguard::cli
