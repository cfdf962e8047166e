#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

// Settings written inside a text: the lines of a config file carried in a ConfigMap (YAML, JSON, INI,
// properties, .env, docker config.json), command-line flags, query parameters. Found by one pass over the
// text, without parsing its format: what matters is a name and the literal value it is given.
namespace agentguard::engine::credentials {

struct Assignment {
  std::string_view name;   // as written, without quotes or leading dashes: "db.password", "auth"
  std::string_view value;  // without quotes
};

// The first setting in `text` whose name is sensitive (isSensitiveName) and whose value is a literal that
// may be a secret (not isNonSecretLiteral, not a nested mapping or list, not an expression of code or a
// shell expansion). Recognised forms:
//   name: value   "name": "value"   name = value   name=value   --name=value   --name value
//   ?name=value   ;name=value       (JSON-escaped quotes \" as in last-applied-configuration)
// A name right after '/' is the second half of a qualified key (vault.hashicorp.com/agent-inject-secret-x)
// and is not taken as a setting.
std::optional<Assignment> findSecretAssignment(std::string_view text);

// Whether `argument` is a lone flag named for a secret ("--password", "-api-key"), whose value is the next
// argument; returns the name without dashes, or an empty view.
std::string_view secretFlagName(std::string_view argument);

}  // namespace agentguard::engine::credentials
