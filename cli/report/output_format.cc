#include "cli/report/check_report.h"

namespace agentguard::cli {

bool parseOutputFormat(std::string_view text, OutputFormat& format) {
  if (text == "text") format = OutputFormat::kText;
  else if (text == "json") format = OutputFormat::kJson;
  else if (text == "sarif") format = OutputFormat::kSarif;
  else if (text == "junit") format = OutputFormat::kJunit;
  else return false;
  return true;
}

}  // namespace agentguard::cli
