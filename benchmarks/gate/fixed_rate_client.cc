// Sends JSON-RPC POSTs at a fixed total rate over keep-alive plain-HTTP connections (one thread each) and
// prints latency percentiles measured from each request's scheduled start, so a stall delays the
// requests queued behind it instead of hiding them (no coordinated omission). Every request gets its own
// JSON-RPC id; an answer counts as a success when it is HTTP 200 and carries "result" (not "error").
//
//   gate_fixed_rate URL BODY_FILE RATE SECONDS CONNECTIONS [HEADER: VALUE]...
//   URL is http://127.0.0.1:PORT/PATH; BODY_FILE holds one JSON-RPC request whose id is "ID".
// Output, one line: p50_us p90_us p99_us max_us achieved_per_s failures count

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

namespace {

struct Target {
  std::string host;
  std::string port;
  std::string path;
};

bool parseUrl(const std::string& url, Target& target) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  const auto slash = url.find('/', scheme.size());
  const std::string authority = url.substr(scheme.size(), slash - scheme.size());
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos || slash == std::string::npos) return false;
  target = {authority.substr(0, colon), authority.substr(colon + 1), url.substr(slash)};
  return true;
}

// One keep-alive connection; reconnects after an error so one failure does not end the run.
class Connection {
 public:
  Connection(const Target& target, std::vector<std::pair<std::string, std::string>> headers)
      : target_(target), headers_(std::move(headers)) {}

  bool post(const std::string& body) {
    try {
      if (!socket_.is_open()) {
        asio::ip::tcp::resolver resolver(io_);
        asio::connect(socket_, resolver.resolve(target_.host, target_.port));
        socket_.set_option(asio::ip::tcp::no_delay(true));
      }
      http::request<http::string_body> request{http::verb::post, target_.path, 11};
      request.set(http::field::host, target_.host);
      request.set(http::field::content_type, "application/json");
      request.set(http::field::accept, "application/json, text/event-stream");
      for (const auto& [name, value] : headers_) request.set(name, value);
      request.body() = body;
      request.prepare_payload();
      http::write(socket_, request);
      beast::flat_buffer buffer;
      http::response<http::string_body> response;
      http::read(socket_, buffer, response);
      if (!response.keep_alive()) socket_.close();
      return response.result_int() == 200 && response.body().find("\"result\"") != std::string::npos;
    } catch (const std::exception&) {
      beast::error_code ignored;
      socket_.close(ignored);
      return false;
    }
  }

 private:
  Target target_;
  std::vector<std::pair<std::string, std::string>> headers_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: gate_fixed_rate URL BODY_FILE RATE SECONDS CONNECTIONS [HEADER: VALUE]...\n";
    return 2;
  }
  Target target;
  if (!parseUrl(argv[1], target)) {
    std::cerr << "gate_fixed_rate: URL must look like http://127.0.0.1:PORT/PATH\n";
    return 2;
  }
  std::ifstream in(argv[2]);
  std::stringstream text;
  text << in.rdbuf();
  const std::string bodyTemplate = text.str();
  const auto idAt = bodyTemplate.find("\"ID\"");
  if (idAt == std::string::npos) {
    std::cerr << "gate_fixed_rate: BODY_FILE must hold \"ID\" where the request id goes\n";
    return 2;
  }
  const double rate = std::stod(argv[3]);
  const double seconds = std::stod(argv[4]);
  const int connections = std::stoi(argv[5]);
  std::vector<std::pair<std::string, std::string>> headers;
  for (int i = 6; i < argc; ++i) {
    const std::string header = argv[i];
    const auto colon = header.find(':');
    if (colon == std::string::npos) {
      std::cerr << "gate_fixed_rate: a header must look like \"Name: value\"\n";
      return 2;
    }
    const auto value = header.find_first_not_of(' ', colon + 1);
    headers.emplace_back(header.substr(0, colon), value == std::string::npos ? "" : header.substr(value));
  }

  std::mutex mutex;
  std::vector<double> latencies;
  int failures = 0;
  std::vector<std::thread> workers;
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  for (int c = 0; c < connections; ++c) {
    workers.emplace_back([&, c] {
      Connection connection(target, headers);
      const auto interval = std::chrono::duration<double>(connections / rate);
      const auto offset = std::chrono::duration<double>(c / rate);
      const auto count = static_cast<long>(seconds * rate / connections);
      std::vector<double> local;
      int failed = 0;
      for (long i = 0; i < count; ++i) {
        const auto scheduled =
            start + std::chrono::duration_cast<Clock::duration>(offset + interval * static_cast<double>(i));
        std::this_thread::sleep_until(scheduled);
        std::string body = bodyTemplate;
        body.replace(idAt, 4, std::to_string(c * 1'000'000L + i));
        if (!connection.post(body)) ++failed;
        local.push_back(std::chrono::duration<double, std::micro>(Clock::now() - scheduled).count());
      }
      std::lock_guard<std::mutex> lock(mutex);
      latencies.insert(latencies.end(), local.begin(), local.end());
      failures += failed;
    });
  }
  for (auto& worker : workers) worker.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  const auto at = [&](double q) {
    return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(q * static_cast<double>(latencies.size() - 1))];
  };
  std::cout << static_cast<long>(at(0.50)) << ' ' << static_cast<long>(at(0.90)) << ' '
            << static_cast<long>(at(0.99)) << ' ' << static_cast<long>(latencies.empty() ? 0 : latencies.back())
            << ' ' << static_cast<long>(static_cast<double>(latencies.size()) / elapsed) << ' ' << failures << ' '
            << latencies.size() << std::endl;
  return 0;
}
