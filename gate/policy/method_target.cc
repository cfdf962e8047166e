#include "gate/policy/method_target.h"

namespace agentguard::gate::policy {

MethodTarget methodTarget(std::string_view method) {
  if (method == "tools/call" || method == "prompts/get") return MethodTarget::kName;
  if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe") {
    return MethodTarget::kUri;
  }
  return MethodTarget::kNone;
}

bool isBaseMethod(std::string_view method) {
  // server/discover is 2026-07-28's stateless stand-in for initialize: what the server speaks and offers.
  return method == "initialize" || method == "server/discover" || method == "ping" || method == "notifications/initialized" ||
         method == "notifications/cancelled" || method == "notifications/progress" || method == "tools/list";
}

}  // namespace agentguard::gate::policy
