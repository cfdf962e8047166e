#pragma once

#include <chrono>
#include <functional>

// How agentguard's binaries start and stop: each main blocks SIGTERM and SIGINT before it starts any
// thread (so every thread inherits the mask and only the main thread's wait takes them), builds its app,
// and waits here until one arrives.
namespace agentguard::process {

// Blocks SIGTERM and SIGINT in the calling thread and in every thread it starts afterwards. Call first.
void blockStopSignals();
// Ignores SIGPIPE: a client that goes away mid-write must not end the process.
void ignoreBrokenPipes();
// Waits for SIGTERM or SIGINT (blocked by blockStopSignals) and returns it; calls `tick` first and
// then every `period` while it waits, when one is given.
int waitForStopSignal(const std::function<void()>& tick = {}, std::chrono::milliseconds period = std::chrono::seconds(1));
// "SIGTERM" or "SIGINT", for the shutdown log line.
const char* stopSignalName(int signal);

}  // namespace agentguard::process
