#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result/result.h"

namespace agentguard::manifest {

// The value Kubernetes (go-yaml v2 through sigs.k8s.io/yaml) reads from a scalar with the tag yaml-cpp
// reported: "?" for a plain scalar, "!" for a quoted one or the non-specific tag, else the resolved tag
// (shorthands, verbatim !<...> and %TAG handles all arrive as the full tag).
//  - !!str: the text; !!bool, !!int, !!float, !!null: the text resolved as a plain scalar, which must
//    give that type (an integer is a valid !!float), even when quoted: !!bool "yes" is true;
//  - !!binary: the standard base64 text (line breaks ignored, padding required) decoded; the bytes
//    must be UTF-8, as JSON strings are;
//  - any other tag (!!timestamp, !!map on a scalar, !!merge outside a merge key, custom !foo or
//    !<tag:example.com,2000:x>) is refused: go-yaml reads some as the bare text and fails on others,
//    and a reader that honours a custom tag could see something else.
// Text that is not UTF-8 (yaml-cpp's reading of the escapes \N and \_) is refused.
// Errors name the tag and the value, and say how to write it plainly.
Result<nlohmann::json> resolveTaggedScalar(std::string_view tag, std::string_view text);

// Checks the tag of a mapping (isMapping) or a sequence: none, or !!map / !!seq to match; anything
// else (!!set, !!omap, !!pairs, a custom tag) is refused.
Status checkCollectionTag(std::string_view tag, bool isMapping);

}  // namespace agentguard::manifest
