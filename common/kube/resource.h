#pragma once

#include <string>
#include <string_view>

namespace agentguard::kube {

// A group-version-resource: the address of a kind of object on the API server.
struct Resource {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural, lower case: "pods", "networkpolicies"
  bool namespaced = true;

  // "/api/v1/namespaces/NS/pods/NAME/status" or "/apis/GROUP/VERSION/..."; empty ns/name/subresource omitted.
  std::string path(std::string_view ns = "", std::string_view name = "", std::string_view subresource = "") const;
};

namespace resources {
const Resource& pods();
const Resource& services();
const Resource& configMaps();
const Resource& secrets();
const Resource& namespaces();
const Resource& serviceAccounts();
const Resource& events();
const Resource& networkPolicies();
const Resource& runtimeClasses();
const Resource& leases();
const Resource& customResourceDefinitions();
const Resource& validatingWebhookConfigurations();
const Resource& clusterRoles();
const Resource& agentSandboxes();  // agentguard.io/v1alpha1 agentsandboxes
const Resource& agentSandboxClasses();  // agentguard.io/v1alpha1 agentsandboxclasses (cluster-scoped)
}  // namespace resources

}  // namespace agentguard::kube
