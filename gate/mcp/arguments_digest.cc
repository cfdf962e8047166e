#include "gate/mcp/arguments_digest.h"

#include "common/decision/canonical_json.h"
#include "common/decision/digest.h"

namespace agentguard::gate::mcp {

Result<std::string> argumentsDigest(const nlohmann::json& arguments) {
  Result<std::string> canonical = decision::canonicalJson(arguments);
  if (!canonical) return std::move(canonical).error();
  return decision::sha256Hex(*canonical);
}

}  // namespace agentguard::gate::mcp
