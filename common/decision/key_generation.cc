#include "common/decision/key_generation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/file/file_contents.h"

namespace agentguard::decision {
namespace {

Status writeNewFile(const std::string& path, const std::string& content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return makeError(ErrorCode::kUnavailable, path + " cannot be created: " + std::strerror(errno));
  if (const int error = file::writeAll(fd, content); error != 0) {
    ::close(fd);
    return makeError(ErrorCode::kUnavailable, path + " cannot be written: " + std::strerror(error));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return makeError(ErrorCode::kUnavailable, path + " cannot be written: " + std::strerror(errno));
  }
  return {};
}

}  // namespace

Result<std::string> newEd25519PrivateKeyPem() {
  EVP_PKEY* generated = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (generated == nullptr) return makeError(ErrorCode::kInternal, "OpenSSL could not generate an Ed25519 key");
  KeyPtr key(generated);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return makeError(ErrorCode::kInternal, "OpenSSL could not write the Ed25519 key as PKCS#8");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

Result<KeyFile> signingKeyFromFileOrNew(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    auto key = SigningKey::fromPemFile(path);
    if (!key) return key.error();
    // A writer stopped between the two files left the public one out: write it now.
    if (::access((path + ".pub").c_str(), F_OK) != 0) (void)writeNewFile(path + ".pub", key->publicKeyPem(), 0644);
    return KeyFile{std::move(key).value(), false};
  }
  if (errno != ENOENT) return makeError(ErrorCode::kUnavailable, path + " cannot be read: " + std::strerror(errno));
  auto pem = newEd25519PrivateKeyPem();
  if (!pem) return pem.error();
  auto key = SigningKey::fromPem(*pem);
  if (!key) return key.error();
  if (Status written = writeNewFile(path, *pem, 0600); !written) return written.error();
  if (Status written = writeNewFile(path + ".pub", key->publicKeyPem(), 0644); !written) return written.error();
  return KeyFile{std::move(key).value(), true};
}

}  // namespace agentguard::decision
