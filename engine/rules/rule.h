#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/finding.h"
#include "engine/workload/object_view.h"

namespace agentguard::engine {

class NetworkPolicySource;
class ParameterReader;
class WorkloadSource;

// What every rule says about itself; shown by `agentguard rules`, SARIF rule metadata and the docs.
struct RuleInfo {
  std::string id;           // stable: "<category>.<name>", never reused for another meaning
  std::string category;     // exposure | privilege | network-isolation | credentials | supply-chain
  std::string title;        // one line, e.g. "Privileged containers"
  std::string description;  // what the rule checks and why it matters
  Severity defaultSeverity = Severity::kHigh;
  Action defaultAction = Action::kDeny;
  // Also evaluated when the object is deleted (RuleContext::removal); other rules are not asked then.
  bool judgesRemoval = false;
};

// A violation as a rule reports it; the engine adds rule id, action, severity and the object's identity.
struct Violation {
  std::string path;     // field path inside the object
  std::string message;  // what is wrong, naming the container, key or value involved (never a secret value)
  std::string fix;      // the concrete change that makes the object pass
};

// What rules may consult besides the object itself. Everything here is read-only.
struct RuleContext {
  // The NetworkPolicies that apply to the object's namespace (the input's documents offline, the
  // cluster's through a cache in the webhook). Null when no source is available.
  const NetworkPolicySource* networkPolicies = nullptr;
  // The workloads already admitted to the object's namespace (the cluster's, in the webhook). Null
  // offline, where the input's workloads are judged against the input's NetworkPolicies directly.
  const WorkloadSource* workloads = nullptr;
  // The object is being deleted (admission DELETE) and is the object as it was; only rules whose
  // RuleInfo::judgesRemoval is set run.
  bool removal = false;
};

// A check. Pure: no I/O, no clocks, no global state; safe to call from many threads at once.
class Rule {
 public:
  virtual ~Rule() = default;
  virtual void evaluate(const ObjectView& object, const RuleContext& context, std::vector<Violation>& out) const = 0;
};

using RulePtr = std::unique_ptr<const Rule>;

// How to build a rule from its policy parameters. Problems are recorded in the reader, which names the
// policy file and field; the returned rule is ignored when the reader holds errors.
struct RuleDefinition {
  RuleInfo info;
  std::string parametersHelp;  // one line per parameter, "name: meaning (default)"; empty if none
  std::function<RulePtr(ParameterReader& parameters)> create;
};

}  // namespace agentguard::engine
