#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentguard::manifest {

// Resolves an unquoted YAML scalar to a JSON value with the YAML 1.1 rules Kubernetes applies
// (go-yaml v2): null (~, null, empty), booleans (y/yes/on/true and n/no/off/false in three casings),
// integers in Go base-0 syntax with underscores (0x1F, 0o17, 0b101, 0777 octal), floats, else a string.
nlohmann::json resolvePlainScalar(std::string_view text);

// A number as the API server receives it: sigs.k8s.io/yaml writes a float through Go's JSON encoder,
// which prints an integral value below 1e21 without a fraction, and Kubernetes' JSON decoder reads that
// back as an integer when it fits int64 (`runAsUser: 0.0` arrives as 0). Other values are unchanged.
nlohmann::json asKubernetesNumber(nlohmann::json value);

// The JSON object key sigs.k8s.io/yaml derives from a resolved mapping key: a string as is, true ->
// "true", an integer in decimal (0x10 -> "16"), an integral float below 10^6 as its digits (1.0 -> "1").
// nullopt for a null key (Kubernetes refuses it) and for any other float, which Kubernetes prints in a
// float32 exponent form this reader does not reproduce.
std::optional<std::string> jsonKeyOf(const nlohmann::json& value);

}  // namespace agentguard::manifest
