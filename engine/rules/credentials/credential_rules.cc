// Credentials: secrets belong in Secret objects, never in env literals, args, ConfigMaps or annotations.
#include <cstdio>
#include <string>
#include <vector>

#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/credentials/entropy.h"
#include "engine/rules/credentials/object_texts.h"
#include "engine/rules/credentials/token_patterns.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {
namespace {

using credentials::ObjectText;
using credentials::PlaceKind;
using credentials::TextPlace;

// How to get a credential out of a place, in the words of that place.
std::string fixFor(const TextPlace& place) {
  switch (place.kind) {
    case PlaceKind::kEnvValue:
      return "store it in a Secret and reference it with env[].valueFrom.secretKeyRef";
    case PlaceKind::kEnvConfigMapRef:
      return "move the value from the ConfigMap to a Secret and reference it with env[].valueFrom.secretKeyRef "
             "instead of configMapKeyRef";
    case PlaceKind::kArgument:
    case PlaceKind::kCommand:
      return "store it in a Secret, set an env var from it with env[].valueFrom.secretKeyRef and refer to that "
             "variable as $(NAME) in args or command";
    case PlaceKind::kHookCommand:
      return "store it in a Secret and let the command read it from a mounted file or from an env var set with "
             "env[].valueFrom.secretKeyRef";
    case PlaceKind::kHttpHeader:
    case PlaceKind::kHttpPath:
      return "probe requests cannot reference Secrets: probe an endpoint that needs no credential, or use an exec "
             "probe that reads the credential from a mounted Secret";
    case PlaceKind::kConfigMapValue:
    case PlaceKind::kConfigMapBinary:
      return "move the key to a Secret and mount it, or load it with envFrom[].secretRef, instead of the ConfigMap";
    case PlaceKind::kVolumeAttribute:
      return "pass the credential to the CSI driver from a Secret with csi.nodePublishSecretRef instead of a volume "
             "attribute";
    case PlaceKind::kField:
      return "keep the credential in a Secret and let the resource refer to the Secret by name";
    case PlaceKind::kAnnotation:
    case PlaceKind::kPodAnnotation:
      if (place.isLastAppliedConfiguration()) {
        return "move the credential out of the manifest into a Secret and apply again; kubectl apply copies the "
               "whole manifest into this annotation";
      }
      return "remove it from the annotation and keep it in a Secret";
  }
  return "store it in a Secret";
}

std::string joinTypes(const std::vector<credentials::TokenMatch>& matches) {
  std::vector<std::string_view> types;
  for (const auto& match : matches) {
    bool seen = false;
    for (const auto type : types) seen = seen || type == match.type;
    if (!seen) types.push_back(match.type);
  }
  std::string text;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i > 0) text += i + 1 == types.size() ? " and " : ", ";
    text += types[i];
  }
  return text;
}

std::string oneDecimal(double value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

// Each rule that reads the object's texts reports a custom resource too deep to walk, so that no rule
// passes an object it could not look through (and none relies on a sibling to say so).
void reportUnwalked(const ObjectView& object, std::vector<Violation>& out) {
  const std::string& path = credentials::objectTexts(object).unwalkedPath;
  if (path.empty()) return;
  out.push_back({path,
                 "the object nests deeper than " + std::to_string(credentials::kMaxWalkDepth) + " levels at " + path +
                     ", so agentguard could not check what lies below for credentials",
                 "flatten the object; keep credentials in a Secret and reference them"});
}

RuleDefinition knownTokenRule() {
  RuleDefinition d;
  d.info = {"credentials.known-token", "credentials", "Credentials of known formats in plain text",
            "Cloud keys, API tokens and private keys in a recognisable format (AWS, Google, GitHub, GitLab, "
            "Slack, Stripe, OpenAI, Anthropic, Hugging Face, npm, SendGrid, Twilio, JWTs, PEM private keys, "
            "passwords, tokens and secret parameters in URLs, also JSON-escaped and JDBC) written into container env "
            "values, args, commands, probes (headers and paths), ConfigMap data and decoded binaryData, CSI volume "
            "attributes, custom resources' fields or annotations, including kubectl's last-applied-configuration "
            "and a CronJob's jobTemplate. Anyone who can read the object, its audit log or its Git history can use "
            "them. Core v1 Secret objects are not checked.",
            Severity::kCritical, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      std::vector<credentials::TokenMatch> matches;
      reportUnwalked(object, out);
      for (const ObjectText& text : credentials::objectTexts(object).texts) {
        const TextPlace& place = text.place;
        matches.clear();
        credentials::findKnownTokens(place.text, place.key, matches);
        if (matches.empty()) continue;
        const bool several = matches.size() > 1;
        out.push_back({place.path(),
                       place.describe() + " holds " + (several ? "credentials of known formats: " : "a credential of a known format: ") +
                           joinTypes(matches),
                       fixFor(place) + "; then revoke the credential and issue a new one, since anyone who could "
                                       "read this object has seen it"});
      }
    });
  };
  return d;
}

RuleDefinition sensitiveEnvLiteralRule() {
  RuleDefinition d;
  d.info = {"credentials.sensitive-env-literal", "credentials", "Secrets set as literal values of secret-named settings",
            "A setting whose name says it holds a secret (PASSWORD, PASSWD, PWD, PASS, SECRET, TOKEN, API_KEY, "
            "ACCESS_KEY, PRIVATE_KEY, CREDENTIALS, AUTH, ... as whole words or ending a compound such as PGPASSWORD) "
            "given a literal value: an env var (also through $(VAR) from a literal var, or taken from a ConfigMap "
            "with configMapKeyRef), a ConfigMap key that envFrom "
            "loads as an env var, a setting inside a config file carried in a ConfigMap (YAML, JSON, INI, "
            "properties, .env, docker config.json auths), a --flag=value or --flag value argument, a query or JDBC "
            "parameter, a probe's Authorization header, a CSI volume attribute or a custom resource's field. Names "
            "about a secret rather than of one (TOKEN_FILE, PASSWORD_MIN_LENGTH, MAX_TOKENS, TOKEN_BUDGET, "
            "AUTH_REALM), $(VAR) and ${VAR} references, booleans, mounted file paths and placeholders "
            "(changeme, <your-key>, xxxx) are allowed.",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      reportUnwalked(object, out);
      for (const ObjectText& text : credentials::objectTexts(object).texts) {
        if (!text.sensitiveLiteral) continue;
        const TextPlace& place = text.place;
        const bool ownName = text.secretName.data() == place.key.data();
        std::string message = place.describe();
        if (!ownName) {
          message += " sets \"" + std::string(text.secretName) + "\", which is named for a secret, to a literal value";
        } else if (place.kind == PlaceKind::kEnvValue) {
          message += " is named for a secret and set to a literal value";
        } else if (place.kind == PlaceKind::kEnvConfigMapRef) {
          message += " is named for a secret and takes its value from a ConfigMap, where it is stored as a literal "
                     "readable by anyone who may read configuration";
        } else if (place.kind == PlaceKind::kConfigMapValue || place.kind == PlaceKind::kConfigMapBinary) {
          message += " is named for a secret and holds a literal value; ConfigMaps are readable by anyone who may "
                     "read configuration";
        } else {
          message += " is named for a secret and holds a literal value";
        }
        out.push_back({place.path(), std::move(message), fixFor(place)});
      }
    });
  };
  return d;
}

RuleDefinition highEntropyRule() {
  RuleDefinition d;
  d.info = {"credentials.high-entropy", "credentials", "Random-looking strings that may be secrets",
            "Strings of minLength characters or more with high Shannon entropy, several character classes and "
            "few pronounceable words, in the places credentials.known-token checks. Image digests, hex "
            "checksums and git SHAs, UUIDs, versions, Kubernetes names, paths, certificates and public keys are "
            "not reported. It reports on its own: a value another credentials rule also reports (a known format, "
            "a secret-named literal) is reported here too, so disabling or exempting that rule narrows nothing.",
            Severity::kMedium, Action::kWarn};
  d.parametersHelp =
      "minLength: shortest string considered, in characters (20)\n"
      "minEntropy: least Shannon entropy reported, in bits per character (4.0)\n"
      "ignoreValues: exact strings never reported, for known non-secret values ([])";
  d.create = [](ParameterReader& params) -> RulePtr {
    credentials::EntropyOptions options;
    options.minLength = static_cast<size_t>(params.integer("minLength", 20, 8, 4096));
    options.minEntropy = params.number("minEntropy", 4.0, 1.0, 8.0);
    for (auto& value : params.stringList("ignoreValues", {})) options.ignoreValues.insert(std::move(value));
    return makeCheckRule([options](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      std::vector<credentials::EntropyHit> hits;
      reportUnwalked(object, out);
      for (const ObjectText& text : credentials::objectTexts(object).texts) {
        const TextPlace& place = text.place;
        hits.clear();
        credentials::findHighEntropyStrings(place.text, options, hits);
        if (hits.empty()) continue;
        const auto& first = hits.front();
        std::string what = std::to_string(first.length) + "-character string with " + oneDecimal(first.entropy) +
                           " bits of entropy per character";
        if (first.length < place.text.size()) what += " at offset " + std::to_string(first.offset);
        if (hits.size() > 1) what = std::to_string(hits.size()) + " random-looking strings, the first a " + what;
        else what = "a random-looking " + what;
        out.push_back({place.path(), place.describe() + " holds " + what + ", which may be a secret",
                       "if it is a credential, " + fixFor(place) +
                           "; if it is not, add the exact value to this rule's ignoreValues parameter"});
      }
    });
  };
  return d;
}

}  // namespace

void addCredentialRules(RuleCatalog& catalog) {
  catalog.add(knownTokenRule());
  catalog.add(sensitiveEnvLiteralRule());
  catalog.add(highEntropyRule());
}

}  // namespace agentguard::engine
