// Supply chain: where container images come from and whether a reference names one fixed build.
#include <string>
#include <vector>

#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/rule_catalog.h"
#include "engine/rules/supply_chain/image_reference.h"

namespace agentguard::engine {
namespace {

using supply_chain::ImageReference;
using supply_chain::RegistryPattern;

std::string containerPhrase(const ContainerRef& container) {
  const char* list = container.list == ContainerList::kInitContainers        ? "init container"
                     : container.list == ContainerList::kEphemeralContainers ? "ephemeral container"
                                                                             : "container";
  return std::string(list) + " \"" + container.name + "\"";
}

// Calls `check` with every container's image text and the path of its image field.
template <typename Check>
void forEachImage(const ObjectView& object, Check check) {
  const PodTemplateRef* pod = object.podTemplate();
  if (pod == nullptr) return;
  for (const auto& container : pod->containers) {
    const auto image = stringField(container.container, "image");
    if (!image || image->empty()) continue;  // the API server rejects containers without an image
    check(container, *image, container.path + ".image");
  }
}

std::string joined(const std::vector<RegistryPattern>& patterns) {
  std::string text;
  for (const auto& pattern : patterns) text += (text.empty() ? "" : ", ") + pattern.text();
  return text;
}

RuleDefinition allowedRegistriesRule() {
  RuleDefinition d;
  d.info = {"supply-chain.allowed-registries", "supply-chain", "Images from unapproved registries",
            "Every image of a pod (containers, init containers, ephemeral containers) must come from one of the "
            "allowedRegistries: a registry, a registry with a repository prefix, or *.domain. References are "
            "read the way container runtimes read them (nginx is docker.io/library/nginx). An image that does "
            "not parse cannot be verified and is reported. With an empty list the rule allows every image.",
            Severity::kHigh, Action::kDeny};
  d.parametersHelp =
      "allowedRegistries: registries or registry/repository prefixes images may come from, e.g. "
      "registry.example.com, ghcr.io/example-org, *.dkr.ecr.eu-west-1.amazonaws.com ([] = no restriction)";
  d.create = [](ParameterReader& params) -> RulePtr {
    std::vector<RegistryPattern> allowed;
    for (const auto& entry : params.stringList("allowedRegistries", {})) {
      std::string problem;
      if (auto pattern = RegistryPattern::parse(entry, problem)) allowed.push_back(std::move(*pattern));
      else params.fail("allowedRegistries", problem);
    }
    return makeCheckRule([allowed](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      if (allowed.empty()) return;
      forEachImage(object, [&](const ContainerRef& container, std::string_view text, const std::string& path) {
        const auto image = supply_chain::parseImageReference(text);
        if (!image) {
          out.push_back({path,
                         containerPhrase(container) + " uses \"" + std::string(text) +
                             "\", which is not a valid image reference, so its registry cannot be verified",
                         "write the image as registry/repository:tag or registry/repository@sha256:<digest>, from "
                         "one of: " + joined(allowed)});
          return;
        }
        for (const auto& pattern : allowed) {
          if (pattern.matches(*image)) return;
        }
        out.push_back({path,
                       containerPhrase(container) + " uses image \"" + std::string(text) + "\" from " +
                           image->name() + ", which is not an allowed registry",
                       "mirror the image into an allowed registry (" + joined(allowed) +
                           ") and reference it there, or add its registry to allowedRegistries"});
      });
    });
  };
  return d;
}

RuleDefinition mutableTagRule() {
  RuleDefinition d;
  d.info = {"supply-chain.image-tag-mutable", "supply-chain", "Images that are not pinned",
            "An image without a digest whose tag is latest or missing (which means latest) can change under the "
            "same name: a pod restart may run different code than was reviewed. With requireDigest every image "
            "must carry @sha256:<digest>.",
            Severity::kMedium, Action::kWarn};
  d.parametersHelp = "requireDigest: report every image without a digest, not only latest or untagged ones (false)";
  d.create = [](ParameterReader& params) -> RulePtr {
    const bool requireDigest = params.boolean("requireDigest", false);
    return makeCheckRule([requireDigest](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      forEachImage(object, [&](const ContainerRef& container, std::string_view text, const std::string& path) {
        const auto image = supply_chain::parseImageReference(text);
        if (!image || !image->digest.empty()) return;
        const std::string subject = containerPhrase(container) + " uses image \"" + std::string(text) + "\"";
        const std::string fix = "pin the image by digest, e.g. " + image->name() + ":" +
                                (image->tag.empty() || image->tag == "latest" ? "<version>" : image->tag) +
                                "@sha256:<digest>";
        if (image->tag.empty()) {
          out.push_back({path, subject + " without a tag, which means latest and can change at any time", fix});
        } else if (image->tag == "latest") {
          out.push_back({path, subject + " with the tag latest, which can change at any time", fix});
        } else if (requireDigest) {
          out.push_back({path, subject + " without a digest; a tag can be moved to another build", fix});
        }
      });
    });
  };
  return d;
}

}  // namespace

void addSupplyChainRules(RuleCatalog& catalog) {
  catalog.add(allowedRegistriesRule());
  catalog.add(mutableTagRule());
}

}  // namespace agentguard::engine
