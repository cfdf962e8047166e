#pragma once

#include <functional>
#include <utility>

#include "engine/rules/rule.h"

namespace agentguard::engine {

// A rule whose check is a function; the function captures the rule's parameters by value.
class CheckRule final : public Rule {
 public:
  using Check = std::function<void(const ObjectView&, const RuleContext&, std::vector<Violation>&)>;
  explicit CheckRule(Check check) : check_(std::move(check)) {}

  void evaluate(const ObjectView& object, const RuleContext& context, std::vector<Violation>& out) const override {
    check_(object, context, out);
  }

 private:
  Check check_;
};

inline RulePtr makeCheckRule(CheckRule::Check check) { return std::make_unique<CheckRule>(std::move(check)); }

// A rule about what a Pod runs: the check sees the Pod or the workload's pod template and runs only for
// objects that have one (ObjectView::podTemplate), the preamble every such rule would otherwise repeat.
using PodCheck = std::function<void(const ObjectView&, const PodTemplateRef&, std::vector<Violation>&)>;

inline RulePtr makePodRule(PodCheck check) {
  return makeCheckRule(
      [check = std::move(check)](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
        if (const PodTemplateRef* pod = object.podTemplate()) check(object, *pod, out);
      });
}

}  // namespace agentguard::engine
