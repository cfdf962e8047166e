#include "cli/report/check_report.h"

namespace agentguard::cli {

void renderSarif(const CheckReport& report, std::ostream& out) { renderJson(report, out); }
void renderJunit(const CheckReport& report, std::ostream& out) { renderJson(report, out); }

}  // namespace agentguard::cli
