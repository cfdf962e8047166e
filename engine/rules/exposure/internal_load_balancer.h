#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/workload/object_view.h"

// Whether a LoadBalancer Service's annotations make it internal-only on every cloud it speaks to.
//
// Each cloud reads only its own annotations, so an "internal" annotation protects nothing on another cloud,
// and a cloud's explicit public setting wins over (or races with) its internal one. The rule:
//   1. The clouds a Service speaks to are those of its annotations (by key prefix, e.g.
//      service.beta.kubernetes.io/aws-*) and of its spec.loadBalancerClass, plus the family of any
//      configured internal marker present.
//   2. On each of them the Service must be marked internal: one of that cloud's internal markers is present
//      with its value, no other marker of that cloud is present with a different value (aws-load-balancer-
//      scheme: internet-facing next to aws-load-balancer-internal: "true"; cloud.google.com/load-balancer-
//      type: External next to networking.gke.io/load-balancer-type: Internal), and no public-only setting of
//      that cloud is present (an Azure public IP name, prefix or DNS label; AWS Elastic IP allocations; the
//      GKE external load balancer class).
//   3. A loadBalancerClass that none of these clouds owns hands the Service to another controller that does
//      not read these annotations: no annotation makes it internal.
// Only when the Service speaks to at least one cloud and is internal on all of them is it internal.
namespace agentguard::engine::exposure {

// A configured internal marker: annotation `key` set to `value` ("" with anyValue: any value).
struct InternalMarker {
  std::string key;
  std::string value;
  bool anyValue = false;

  // "key=value", or "key" for any value.
  static InternalMarker parse(std::string_view text);
};

struct InternalVerdict {
  bool internal = false;
  // When not internal: what says so (a contradicting annotation or class, or a cloud without a marker when
  // another cloud has one); "" when nothing marks the Service internal or public at all.
  std::string reason;
};

InternalVerdict judgeInternal(const ObjectView& service, const std::vector<InternalMarker>& markers);

}  // namespace agentguard::engine::exposure
