#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/result/result.h"

namespace agentguard::decision {

// RFC 8785 (JSON Canonicalization Scheme): object members sorted by their names' UTF-16 code units, no
// whitespace, strings with only the mandatory escapes, numbers as ECMAScript's Number::toString writes the
// IEEE-754 double. Used wherever a digest must be reproducible by another implementation. InvalidArgument
// for NaN, infinities and strings that are not valid UTF-8.
Result<std::string> canonicalJson(const nlohmann::json& value);

// ECMAScript Number::toString of a finite double ("1e+21", "0.000001", "333333333.33333325", -0 as "0").
Result<std::string> ecmaScriptNumber(double value);

}  // namespace agentguard::decision
