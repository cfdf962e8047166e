#include "gate/mcp/tools_list_filter.h"

#include <utility>
#include <vector>

#include "common/manifest/strict_json.h"

namespace agentguard::gate::mcp {
namespace {

using Json = nlohmann::json;

// Bodies the gate reads from upstream servers: a large tools/list stays well under this.
constexpr size_t kMaxResponseBytes = 16u * 1024u * 1024u;

bool isResultFor(const Json& message, const Json& requestId) {
  if (!message.is_object() || !message.contains("result") || message.contains("method")) return false;
  const auto id = message.find("id");
  return id != message.end() && *id == requestId;
}

// One line of an SSE event and whether it is a data field; `value` is what follows "data:" and one
// optional space.
bool dataLine(std::string_view line, std::string_view& value) {
  if (line.substr(0, 4) != "data") return false;
  if (line.size() == 4) {
    value = {};
    return true;
  }
  if (line[4] != ':') return false;
  value = line.substr(5);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return true;
}

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
    if (text[end] == '\r' && start < text.size() && text[start] == '\n') ++start;
  }
  return lines;
}

}  // namespace

Json filterToolsList(const policy::SandboxToolPolicy& policy, std::string_view server, const Json& requestId,
                     Json response) {
  if (policy.mode == policy::ToolsMode::kAudit || !isResultFor(response, requestId)) return response;
  const policy::ToolServer* upstream = policy.server(server);
  Json& result = response["result"];
  if (!result.is_object()) return response;
  Json kept = Json::array();
  const auto tools = result.find("tools");
  if (tools != result.end() && tools->is_array() && upstream != nullptr) {
    for (Json& tool : *tools) {
      const auto name = tool.is_object() ? tool.find("name") : tool.end();
      if (tool.is_object() && name != tool.end() && name->is_string() &&
          upstream->toolAllowed(name->get_ref<const std::string&>())) {
        kept.push_back(std::move(tool));
      }
    }
  }
  result["tools"] = std::move(kept);
  return response;
}

Result<std::string> filterToolsListBody(const policy::SandboxToolPolicy& policy, std::string_view server,
                                        const Json& requestId, std::string_view body) {
  manifest::ParseLimits limits;
  limits.maxInputBytes = kMaxResponseBytes;
  Result<Json> parsed = manifest::parseStrictJson(body, limits);
  if (!parsed) {
    return makeError(ErrorCode::kInvalidArgument, "the tools/list response is not JSON: " + parsed.error().message);
  }
  return filterToolsList(policy, server, requestId, std::move(parsed).value())
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<std::string> filterToolsListSseEvent(const policy::SandboxToolPolicy& policy, std::string_view server,
                                            const Json& requestId, std::string_view event) {
  const std::vector<std::string_view> lines = splitLines(event);
  std::string data;
  bool hasData = false;
  for (std::string_view line : lines) {
    std::string_view value;
    if (!dataLine(line, value)) continue;
    if (hasData) data.push_back('\n');
    data.append(value);
    hasData = true;
  }
  // Events without data, or with empty data (a stream's priming event), carry no message.
  if (!hasData || data.empty()) return std::string(event);
  Result<std::string> filtered = filterToolsListBody(policy, server, requestId, data);
  if (!filtered) return std::move(filtered).error();
  std::string out;
  bool written = false;
  for (std::string_view line : lines) {
    std::string_view value;
    if (dataLine(line, value)) {
      if (!written) out += "data: " + *filtered + "\n";
      written = true;
      continue;
    }
    out.append(line);
    out.push_back('\n');
  }
  return out;
}

}  // namespace agentguard::gate::mcp
