#pragma once

#include <string>

namespace agentguard::process {

// This machine's host name: in a cluster, the Pod's name. Empty when it cannot be read.
std::string hostName();

}  // namespace agentguard::process
