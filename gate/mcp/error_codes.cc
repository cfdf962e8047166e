#include "gate/mcp/error_codes.h"

namespace agentguard::gate::mcp {

std::string_view errorMessage(int code) {
  switch (code) {
    case kToolNotAllowed: return "ToolNotAllowed";
    case kMethodNotAllowed: return "MethodNotAllowed";
    case kArgumentRefused: return "ArgumentRefused";
    case kCallerRefused: return "CallerRefused";
    case kUpstreamUnavailable: return "UpstreamUnavailable";
    case kRecordUnwritable: return "RecordUnwritable";
    case kBatchRefused: return "BatchRefused";
    case kRequestTooLarge: return "RequestTooLarge";
    case kPolicyUnavailable: return "PolicyUnavailable";
    case kHeaderMismatch: return "HeaderMismatch";
    case kParseError: return "ParseError";
    case kInvalidRequest: return "InvalidRequest";
    default: return "Error";
  }
}

}  // namespace agentguard::gate::mcp
