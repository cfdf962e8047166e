#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/command_line.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return agentguard::cli::runCommandLine(args, std::cin, std::cout, std::cerr, isatty(STDOUT_FILENO) == 1);
}
