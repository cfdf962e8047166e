#include "cli/report/check_report.h"

namespace agentguard::cli {

bool parseOutputFormat(std::string_view text, OutputFormat& format) {
  if (text == "text") format = OutputFormat::kText;
  else if (text == "json") format = OutputFormat::kJson;
  else if (text == "sarif") format = OutputFormat::kSarif;
  else if (text == "junit") format = OutputFormat::kJunit;
  else if (text == "github") format = OutputFormat::kGithub;
  else return false;
  return true;
}

std::string_view outputFormatName(OutputFormat format) {
  switch (format) {
    case OutputFormat::kText: return "text";
    case OutputFormat::kJson: return "json";
    case OutputFormat::kSarif: return "sarif";
    case OutputFormat::kJunit: return "junit";
    case OutputFormat::kGithub: return "github";
  }
  return "text";
}

bool CheckReport::fails(engine::Action action) const {
  switch (failOn) {
    case engine::Action::kDeny: return action == engine::Action::kDeny;
    case engine::Action::kWarn: return action == engine::Action::kDeny || action == engine::Action::kWarn;
    case engine::Action::kAudit: return true;
  }
  return true;
}

bool CheckReport::passed() const {
  if (!errors.empty()) return false;
  for (const auto& located : findings) {
    if (fails(located.finding.action)) return false;
  }
  return true;
}

}  // namespace agentguard::cli
