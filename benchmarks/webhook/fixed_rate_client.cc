// Sends POST requests at a fixed total rate over keep-alive TLS connections (one thread each) and
// prints latency percentiles measured from each request's scheduled start, so a stall delays the
// requests queued behind it instead of hiding them (no coordinated omission).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/webhook/support/test_tls.h"

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: webhook_fixed_rate PORT CA_FILE BODY_FILE RATE SECONDS CONNECTIONS\n";
    return 2;
  }
  const int port = std::stoi(argv[1]);
  const std::string ca = argv[2];
  std::ifstream in(argv[3]);
  std::stringstream body;
  body << in.rdbuf();
  const std::string payload = body.str();
  const double rate = std::stod(argv[4]);
  const double seconds = std::stod(argv[5]);
  const int connections = std::stoi(argv[6]);

  std::mutex mutex;
  std::vector<double> latencies;
  int failures = 0;
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  for (int c = 0; c < connections; ++c) {
    workers.emplace_back([&, c] {
      agentguard::webhook::testing::KeepAliveClient client(port, ca);
      const auto interval = std::chrono::duration<double>(connections / rate);
      const auto offset = std::chrono::duration<double>(c / rate);
      const auto count = static_cast<long>(seconds * rate / connections);
      std::vector<double> local;
      int failed = 0;
      for (long i = 0; i < count; ++i) {
        const auto scheduled = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                           offset + interval * static_cast<double>(i));
        std::this_thread::sleep_until(scheduled);
        if (client.post("/validate", payload) != 200) ++failed;
        local.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - scheduled).count());
      }
      std::lock_guard<std::mutex> lock(mutex);
      latencies.insert(latencies.end(), local.begin(), local.end());
      failures += failed;
    });
  }
  for (auto& worker : workers) worker.join();
  std::sort(latencies.begin(), latencies.end());
  const auto at = [&](double q) { return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(q * (latencies.size() - 1))]; };
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("requests=%zu failures=%d achieved_rps=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f\n", latencies.size(),
              failures, latencies.size() / elapsed, at(0.50), at(0.99), at(1.0));
  return failures == 0 ? 0 : 1;
}
