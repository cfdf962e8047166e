#include "tests/webhook/support/test_tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <openssl/bn.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace agentguard::webhook::testing {
namespace {

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + command);
}

}  // namespace

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

TestPki::TestPki() {
  const std::string dir = this->dir();
  run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=agentguard-test-ca"
      " -keyout " + dir + "/ca.key -out " + dir + "/ca.crt");
  std::ofstream(dir + "/server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                     << "extendedKeyUsage=serverAuth\n";
}

void TestPki::issue(const std::string& certPath, const std::string& keyPath, const std::string& serialHex) const {
  const std::string dir = this->dir();
  const std::string base = dir + "/issue-" + serialHex;
  run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=agentguard-webhook"
      " -keyout " + base + ".key -out " + base + ".csr");
  run("openssl x509 -req -days 2 -in " + base + ".csr -CA " + dir + "/ca.crt -CAkey " + dir +
      "/ca.key -set_serial 0x" + serialHex + " -extfile " + dir + "/server.ext -out " + base + ".crt");
  // In place, not renamed: the store must cope with a certificate whose key is not there yet.
  std::filesystem::copy_file(base + ".crt", certPath, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(base + ".key", keyPath, std::filesystem::copy_options::overwrite_existing);
}

std::string TestPki::caPem() const {
  std::ifstream in(caFile());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

KeepAliveClient::KeepAliveClient(int port, const std::string& caFile) {
  context_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(context_, caFile.c_str(), nullptr);
  SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) return;
  SSL* ssl = SSL_new(context_);
  SSL_set_fd(ssl, fd_);
  SSL_set1_host(ssl, "127.0.0.1");
  if (SSL_connect(ssl) != 1) {
    SSL_free(ssl);
    return;
  }
  ssl_ = ssl;
}

KeepAliveClient::~KeepAliveClient() {
  if (ssl_ != nullptr) {
    SSL_shutdown(ssl_);
    SSL_free(ssl_);
  }
  if (fd_ >= 0) ::close(fd_);
  SSL_CTX_free(context_);
}

std::string KeepAliveClient::peerSerial() const {
  if (ssl_ == nullptr) return "";
  X509* certificate = SSL_get1_peer_certificate(ssl_);
  if (certificate == nullptr) return "";
  std::string serial;
  if (BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr)) {
    char* hex = BN_bn2hex(number);
    serial = hex;
    OPENSSL_free(hex);
    BN_free(number);
  }
  X509_free(certificate);
  return serial;
}

int KeepAliveClient::post(const std::string& path, const std::string& payload, std::string* body) {
  if (ssl_ == nullptr) return -1;
  const std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                              "Content-Length: " + std::to_string(payload.size()) + "\r\n\r\n" + payload;
  if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) return -1;
  std::string received;
  char buffer[16384];
  size_t headerEnd = std::string::npos;
  size_t contentLength = 0;
  while (true) {
    if (headerEnd == std::string::npos) {
      headerEnd = received.find("\r\n\r\n");
      if (headerEnd != std::string::npos) {
        std::string headers = received.substr(0, headerEnd);
        for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const auto at = headers.find("content-length:");
        if (at != std::string::npos) contentLength = std::stoul(headers.substr(at + 15));
      }
    }
    if (headerEnd != std::string::npos && received.size() >= headerEnd + 4 + contentLength) break;
    const int read = SSL_read(ssl_, buffer, sizeof(buffer));
    if (read <= 0) return -1;
    received.append(buffer, static_cast<size_t>(read));
  }
  if (body != nullptr) *body = received.substr(headerEnd + 4, contentLength);
  if (received.rfind("HTTP/1.1 ", 0) != 0) return -1;
  return std::stoi(received.substr(9, 3));
}

}  // namespace agentguard::webhook::testing
