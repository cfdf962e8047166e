// Exposure: objects that make workloads reachable from outside the cluster.
#include <string>
#include <utility>

#include "common/text/comma_list.h"
#include "engine/network/cidr.h"
#include "engine/policy/parameter_reader.h"
#include "engine/rules/exposure/internal_load_balancer.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

const Json* serviceSpec(const ObjectView& object) {
  if (object.kind() != "Service") return nullptr;
  return objectField(&object.body(), "spec");
}

std::string serviceType(const Json* spec) { return std::string(stringField(spec, "type").value_or("ClusterIP")); }

std::vector<Cidr> parseCidrs(ParameterReader& params, std::string_view key, const std::vector<std::string>& texts) {
  std::vector<Cidr> cidrs;
  for (const auto& text : texts) {
    if (auto cidr = Cidr::parse(text)) cidrs.push_back(*cidr);
    else params.fail(key, "\"" + text + "\" is not a CIDR such as 10.0.0.0/8");
  }
  return cidrs;
}

bool withinAny(const std::vector<Cidr>& trusted, const Cidr& range) {
  for (const auto& network : trusted) {
    if (network.contains(range)) return true;
  }
  return false;
}

// Source ranges from spec.loadBalancerSourceRanges, or the legacy annotation.
std::vector<std::pair<std::string, std::string>> sourceRanges(const ObjectView& object, const Json* spec) {
  std::vector<std::pair<std::string, std::string>> ranges;  // (path, text)
  if (const Json* list = arrayField(spec, "loadBalancerSourceRanges")) {
    for (size_t i = 0; i < list->size(); ++i) {
      if ((*list)[i].is_string()) {
        ranges.emplace_back("spec.loadBalancerSourceRanges[" + std::to_string(i) + "]", (*list)[i].get<std::string>());
      }
    }
  }
  constexpr std::string_view kAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges";
  if (const auto annotation = stringField(object.annotations(), kAnnotation)) {
    for (std::string& item : text::splitCommaList(*annotation, " \t")) {
      ranges.emplace_back("metadata.annotations[\"" + std::string(kAnnotation) + "\"]", std::move(item));
    }
  }
  return ranges;
}

const std::vector<std::string> kDefaultInternalAnnotations = {
    "networking.gke.io/load-balancer-type=Internal",
    "cloud.google.com/load-balancer-type=Internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal=true",
    "service.beta.kubernetes.io/aws-load-balancer-scheme=internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal=true",
    "service.beta.kubernetes.io/oci-load-balancer-internal=true",
    "oci-network-load-balancer.oraclecloud.com/internal=true",
};

RuleDefinition loadBalancerRule() {
  RuleDefinition d;
  d.info = {"exposure.service-loadbalancer", "exposure", "LoadBalancer Services",
            "A Service of type LoadBalancer asks the cloud for an external address and opens the workload to "
            "the internet. Load balancers whose source ranges all lie inside trusted CIDRs are allowed, and so are "
            "internal ones: marked internal by an annotation on every cloud the Service speaks to (by annotation "
            "prefix and loadBalancerClass), with no annotation of that cloud contradicting it (an explicit "
            "internet-facing scheme, another load-balancer-type, a public IP) and no loadBalancerClass of another "
            "controller.",
            Severity::kCritical, Action::kDeny};
  d.parametersHelp =
      "allowInternal: allow load balancers marked internal by a cloud annotation (true)\n"
      "internalAnnotations: \"key=value\" annotations that mark a load balancer internal on their cloud (GKE, AWS, "
      "Azure, OCI); the same key with another value contradicts them\n"
      "trustedCidrs: source ranges that count as private; an LB restricted to them is allowed ([])";
  d.create = [](ParameterReader& params) -> RulePtr {
    const bool allowInternal = params.boolean("allowInternal", true);
    std::vector<exposure::InternalMarker> markers;
    for (const auto& text : params.stringList("internalAnnotations", kDefaultInternalAnnotations)) {
      markers.push_back(exposure::InternalMarker::parse(text));
    }
    const auto trusted = parseCidrs(params, "trustedCidrs", params.stringList("trustedCidrs", {}));
    return makeCheckRule([=](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      const Json* spec = serviceSpec(object);
      if (spec == nullptr || serviceType(spec) != "LoadBalancer") return;
      std::string notInternal;
      if (allowInternal) {
        const exposure::InternalVerdict verdict = exposure::judgeInternal(object, markers);
        if (verdict.internal) return;
        notInternal = verdict.reason;
      }
      const auto ranges = sourceRanges(object, spec);
      if (!trusted.empty() && !ranges.empty()) {
        bool allTrusted = true;
        for (const auto& [path, text] : ranges) {
          const auto cidr = Cidr::parse(text);
          if (!cidr || !withinAny(trusted, *cidr)) allTrusted = false;
        }
        if (allTrusted) return;
      }
      std::string message =
          "type LoadBalancer gives Service \"" + object.name() + "\" an external address reachable from the internet";
      if (!notInternal.empty()) message += "; it is not internal: " + notInternal;
      out.push_back({"spec.type", std::move(message),
                     "use type ClusterIP (reach it through kubectl port-forward or an authenticated ingress), or mark "
                     "the load balancer internal with the annotation of each cloud it names and remove the "
                     "annotations that contradict it"});
    });
  };
  return d;
}

RuleDefinition nodePortRule() {
  RuleDefinition d;
  d.info = {"exposure.service-nodeport", "exposure", "NodePort Services",
            "A Service of type NodePort opens a port on every node's address, bypassing ingress controls.",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      const Json* spec = serviceSpec(object);
      if (spec == nullptr || serviceType(spec) != "NodePort") return;
      out.push_back({"spec.type", "type NodePort opens a port on every node for Service \"" + object.name() + "\"",
                     "use type ClusterIP; reach the Service from inside the cluster or through an authenticated ingress"});
    });
  };
  return d;
}

RuleDefinition externalIpsRule() {
  RuleDefinition d;
  d.info = {"exposure.service-external-ips", "exposure", "Service externalIPs",
            "spec.externalIPs makes nodes accept traffic for arbitrary addresses and can intercept other tenants' "
            "traffic (CVE-2020-8554). Addresses inside trusted CIDRs are allowed.",
            Severity::kCritical, Action::kDeny};
  d.parametersHelp = "trustedCidrs: externalIPs inside these networks are allowed ([])";
  d.create = [](ParameterReader& params) -> RulePtr {
    const auto trusted = parseCidrs(params, "trustedCidrs", params.stringList("trustedCidrs", {}));
    return makeCheckRule([=](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      const Json* ips = arrayField(serviceSpec(object), "externalIPs");
      if (ips == nullptr) return;
      for (size_t i = 0; i < ips->size(); ++i) {
        const std::string text = (*ips)[i].is_string() ? (*ips)[i].get<std::string>() : (*ips)[i].dump();
        const auto address = Cidr::parse(text);
        if (address && withinAny(trusted, *address)) continue;
        out.push_back({"spec.externalIPs[" + std::to_string(i) + "]",
                       "externalIP " + text + " routes outside traffic for that address to Service \"" + object.name() + "\"",
                       "remove spec.externalIPs; expose the Service through an approved ingress instead"});
      }
    });
  };
  return d;
}

RuleDefinition openSourceRangesRule() {
  RuleDefinition d;
  d.info = {"exposure.open-source-ranges", "exposure", "Load balancer source ranges open to the world",
            "loadBalancerSourceRanges (or the legacy source-ranges annotation) that include 0.0.0.0/0 or ::/0, or "
            "any range outside the trusted CIDRs when some are configured.",
            Severity::kHigh, Action::kDeny};
  d.parametersHelp = "trustedCidrs: when set, every source range must lie inside one of these ([])";
  d.create = [](ParameterReader& params) -> RulePtr {
    const auto trusted = parseCidrs(params, "trustedCidrs", params.stringList("trustedCidrs", {}));
    return makeCheckRule([=](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      const Json* spec = serviceSpec(object);
      if (spec == nullptr) return;
      for (const auto& [path, text] : sourceRanges(object, spec)) {
        const auto cidr = Cidr::parse(text);
        if (cidr && !cidr->isEverything() && (trusted.empty() || withinAny(trusted, *cidr))) continue;
        const std::string why = !cidr ? "is not a valid CIDR, so the range cannot be verified"
                                      : cidr->isEverything() ? "admits every address on the internet"
                                                             : "lies outside the trusted networks";
        out.push_back({path, "source range \"" + text + "\" " + why,
                       "list only the client networks that need access, e.g. 10.0.0.0/8"});
      }
    });
  };
  return d;
}

RuleDefinition hostPortRule() {
  RuleDefinition d;
  d.info = {"exposure.host-port", "exposure", "Container host ports",
            "hostPort binds a container port on the node's own address (Pod Security Standards baseline: Host "
            "Ports), exposing the pod outside any Service or NetworkPolicy.",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      for (const auto& container : pod.containers) {
        const Json* ports = arrayField(container.container, "ports");
        if (ports == nullptr) continue;
        for (size_t i = 0; i < ports->size(); ++i) {
          const auto hostPort = intField(&(*ports)[i], "hostPort");
          if (!hostPort || *hostPort == 0) continue;
          out.push_back({container.path + ".ports[" + std::to_string(i) + "].hostPort",
                         "container \"" + container.name + "\" binds host port " + std::to_string(*hostPort) +
                             " on the node",
                         "remove hostPort and reach the pod through a ClusterIP Service"});
        }
      }
    });
  };
  return d;
}

RuleDefinition statusIngressRule() {
  RuleDefinition d;
  d.info = {"exposure.loadbalancer-status-ingress", "exposure", "Forged load balancer ingress addresses",
            "status.loadBalancer.ingress on a Service that is not a LoadBalancer makes kube-proxy capture traffic "
            "for that address (CVE-2020-8554, via the services/status subresource).",
            Severity::kCritical, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      const Json* spec = serviceSpec(object);
      if (spec == nullptr || serviceType(spec) == "LoadBalancer") return;
      const Json* ingress = arrayField(objectField(objectField(&object.body(), "status"), "loadBalancer"), "ingress");
      if (ingress == nullptr) return;
      for (size_t i = 0; i < ingress->size(); ++i) {
        if (!stringField(&(*ingress)[i], "ip") && !stringField(&(*ingress)[i], "hostname")) continue;
        out.push_back({"status.loadBalancer.ingress[" + std::to_string(i) + "]",
                       "Service \"" + object.name() + "\" of type " + serviceType(spec) +
                           " claims a load balancer ingress address",
                       "leave status.loadBalancer empty; only the cloud controller sets it, for LoadBalancer Services"});
      }
    });
  };
  return d;
}

RuleDefinition ingressRule() {
  RuleDefinition d;
  d.info = {"exposure.ingress", "exposure", "Ingress objects",
            "An Ingress publishes HTTP routes through the cluster's ingress controller, usually to the internet.",
            Severity::kMedium, Action::kWarn};
  d.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      if (object.kind() != "Ingress") return;
      out.push_back({"spec", "Ingress \"" + object.name() + "\" publishes routes through the ingress controller",
                     "confirm the routes must be public and require authentication at the ingress"});
    });
  };
  return d;
}

}  // namespace

void addExposureRules(RuleCatalog& catalog) {
  catalog.add(loadBalancerRule());
  catalog.add(nodePortRule());
  catalog.add(externalIpsRule());
  catalog.add(openSourceRangesRule());
  catalog.add(hostPortRule());
  catalog.add(statusIngressRule());
  catalog.add(ingressRule());
}

}  // namespace agentguard::engine
