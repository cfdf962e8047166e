#include "common/process/stop_signals.h"

#include <pthread.h>

#include <csignal>
#include <ctime>

namespace agentguard::process {
namespace {

sigset_t stopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

void blockStopSignals() {
  const sigset_t signals = stopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void ignoreBrokenPipes() { std::signal(SIGPIPE, SIG_IGN); }

int waitForStopSignal(const std::function<void()>& tick, std::chrono::milliseconds period) {
  const sigset_t signals = stopSignals();
  if (!tick) {
    int received = 0;
    sigwait(&signals, &received);
    return received;
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(period);
  const timespec wait{static_cast<time_t>(seconds.count()),
                      static_cast<long>(std::chrono::nanoseconds(period - seconds).count())};
  int received = -1;
  while (received < 0) {
    tick();
    received = sigtimedwait(&signals, nullptr, &wait);
  }
  return received;
}

const char* stopSignalName(int signal) { return signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "signal"; }

}  // namespace agentguard::process
