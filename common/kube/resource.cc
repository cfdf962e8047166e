#include "common/kube/resource.h"

#include "common/kube/request_path.h"

namespace agentguard::kube {

std::string Resource::path(std::string_view ns, std::string_view name, std::string_view subresource) const {
  std::string out = group.empty() ? "/api/" : "/apis/" + group + "/";
  out += version;
  if (namespaced && !ns.empty()) {
    out += "/namespaces/";
    out += encodePathSegment(ns);
  }
  out += '/';
  out += resource;
  if (!name.empty()) {
    out += '/';
    out += encodePathSegment(name);
    if (!subresource.empty()) {
      out += '/';
      out += encodePathSegment(subresource);
    }
  }
  return out;
}

namespace resources {

const Resource& pods() {
  static const Resource r{"", "v1", "pods", true};
  return r;
}
const Resource& services() {
  static const Resource r{"", "v1", "services", true};
  return r;
}
const Resource& configMaps() {
  static const Resource r{"", "v1", "configmaps", true};
  return r;
}
const Resource& secrets() {
  static const Resource r{"", "v1", "secrets", true};
  return r;
}
const Resource& namespaces() {
  static const Resource r{"", "v1", "namespaces", false};
  return r;
}
const Resource& serviceAccounts() {
  static const Resource r{"", "v1", "serviceaccounts", true};
  return r;
}
const Resource& events() {
  static const Resource r{"", "v1", "events", true};
  return r;
}
const Resource& networkPolicies() {
  static const Resource r{"networking.k8s.io", "v1", "networkpolicies", true};
  return r;
}
const Resource& runtimeClasses() {
  static const Resource r{"node.k8s.io", "v1", "runtimeclasses", false};
  return r;
}
const Resource& leases() {
  static const Resource r{"coordination.k8s.io", "v1", "leases", true};
  return r;
}
const Resource& customResourceDefinitions() {
  static const Resource r{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
  return r;
}
const Resource& validatingWebhookConfigurations() {
  static const Resource r{"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", false};
  return r;
}
const Resource& clusterRoles() {
  static const Resource r{"rbac.authorization.k8s.io", "v1", "clusterroles", false};
  return r;
}
const Resource& agentSandboxes() {
  static const Resource r{"agentguard.io", "v1alpha1", "agentsandboxes", true};
  return r;
}
const Resource& agentSandboxClasses() {
  static const Resource r{"agentguard.io", "v1alpha1", "agentsandboxclasses", false};
  return r;
}

}  // namespace resources
}  // namespace agentguard::kube
