#include "tests/gate/egress/loopback_tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace agentguard::gate::egress::testing {
namespace {

int connectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  return fd;
}

}  // namespace

LocalhostCertificate::LocalhostCertificate() {
  char pattern[] = "/tmp/gate-egress-tls-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  const std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
                              "-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout " +
                              keyFile() + " -out " + certFile() + " >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed");
}

LocalhostCertificate::~LocalhostCertificate() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

EchoTlsServer::EchoTlsServer(const LocalhostCertificate& certificate) {
  context_ = SSL_CTX_new(TLS_server_method());
  if (SSL_CTX_use_certificate_chain_file(context_, certificate.certFile().c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(context_, certificate.keyFile().c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("cannot load the test certificate");
  }
  listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || ::listen(listenFd_, 16) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  socklen_t length = sizeof(address);
  ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

EchoTlsServer::~EchoTlsServer() {
  ::shutdown(listenFd_, SHUT_RDWR);  // ends the blocked accept
  thread_.join();
  ::close(listenFd_);
  SSL_CTX_free(context_);
}

void EchoTlsServer::serve() {
  while (true) {
    const int fd = ::accept(listenFd_, nullptr, nullptr);
    if (fd < 0) return;
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    SSL* ssl = SSL_new(context_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      std::string line;
      char c = 0;
      while (SSL_read(ssl, &c, 1) == 1 && c != '\n') line += c;
      const std::string answer = "pong:" + line + "\n";
      SSL_write(ssl, answer.data(), static_cast<int>(answer.size()));
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ::close(fd);
  }
}

ProxyClient::ProxyClient(int proxyPort) : fd_(connectLoopback(proxyPort)) {}

ProxyClient::~ProxyClient() {
  if (fd_ >= 0) ::close(fd_);
}

void ProxyClient::send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

std::string ProxyClient::readHead() {
  std::string head;
  char c = 0;
  while (head.size() < 64 * 1024 && ::recv(fd_, &c, 1, 0) == 1) {
    head += c;
    if (head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0) break;
  }
  return head;
}

std::string ProxyClient::readSome() {
  char buffer[4096];
  const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

std::string ProxyClient::readToEnd() {
  std::string all;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd_, buffer, sizeof(buffer), 0)) > 0) all.append(buffer, static_cast<size_t>(n));
  return all;
}

bool ProxyClient::closedByPeer() {
  char buffer[4096];
  while (true) {
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

std::string ProxyClient::tlsRoundTrip(const std::string& sni, const std::string& caFile, const std::string& line) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(context, caFile.c_str(), nullptr);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  SSL* ssl = SSL_new(context);
  SSL_set_fd(ssl, fd_);
  SSL_set1_host(ssl, "localhost");
  if (!sni.empty()) SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(sni.c_str()));
  std::string answer;
  if (SSL_connect(ssl) == 1) {
    const std::string request = line + "\n";
    SSL_write(ssl, request.data(), static_cast<int>(request.size()));
    char c = 0;
    while (SSL_read(ssl, &c, 1) == 1 && c != '\n') answer += c;
  }
  ERR_clear_error();
  SSL_free(ssl);
  SSL_CTX_free(context);
  return answer;
}

}  // namespace agentguard::gate::egress::testing
