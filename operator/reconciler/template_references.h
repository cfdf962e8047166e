#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/result/result.h"
#include "operator/status/sandbox_status.h"

namespace agentguard::op {

// What a pod template reaches through other objects, judged on the objects themselves just before each Pod is
// created (the template's text cannot say what a name points at):
// - Secrets, through `secret` volumes, projected `secret` sources, env valueFrom.secretKeyRef and
//   envFrom.secretRef: a ServiceAccount token Secret (type kubernetes.io/service-account-token) is refused, it
//   is a Kubernetes API credential. A Secret that does not exist (even one marked optional) blocks the sandbox
//   until it exists: it could appear later as a token Secret and be mounted without a new check.
// - PersistentVolumeClaims: the claim must be Bound, and its PersistentVolume must not be hostPath or local (the
//   node's file system). An unbound claim blocks the sandbox until it is bound, because it may bind to such a
//   volume; StorageClasses with WaitForFirstConsumer binding therefore cannot be used.
struct ReferenceVerdict {
  std::optional<Problem> blocker;  // ForbiddenTemplateField, or ReferenceNotReady (looked at again later)
  std::optional<Error> error;      // the API server could not answer: retried with backoff
};

ReferenceVerdict checkTemplateReferences(kube::KubeClient& client, const std::string& ns,
                                         const nlohmann::json& podTemplate);

}  // namespace agentguard::op
