#pragma once

#include <string_view>

#include "common/result/result.h"

namespace agentguard::manifest {

// Refuses YAML text whose characters Kubernetes' YAML reader (go-yaml, via sigs.k8s.io/yaml) and ours
// would read differently, before either parses it:
//  - bytes that are not well-formed UTF-8 (go-yaml replaces them, so a value's text would differ);
//  - characters go-yaml refuses ("control characters are not allowed": C0 controls other than tab, LF
//    and CR, DEL, C1 controls other than NEL, U+FFFE/U+FFFF);
//  - line breaks only go-yaml knows: a CR not followed by LF, NEL (U+0085), LINE SEPARATOR (U+2028) and
//    PARAGRAPH SEPARATOR (U+2029). go-yaml ends a comment or a line there, so text hidden "inside" a
//    comment becomes a field to kubectl;
//  - a byte order mark (U+FEFF) anywhere but at the very start;
//  - content after a "..." document end marker that no "---" line precedes: kubectl splits the stream at
//    "---" lines and reads the first document of each part only, so it would never apply that content.
// The error names the line and column (counted in characters) and how to write the character instead.
Status checkYamlText(std::string_view text);

}  // namespace agentguard::manifest
