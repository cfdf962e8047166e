#include "common/file/file_contents.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <cerrno>
#include <string>

#include "tests/support/scratch_dir.h"

namespace agentguard::file {
namespace {

namespace fs = std::filesystem;

class FileContentsTest : public ::testing::Test {
 protected:
  agentguard::testing::ScratchDir dir_{"file-contents"};
};

TEST_F(FileContentsTest, ReturnsEveryByteIncludingNulAndCarriageReturns) {
  const std::string bytes("key\0with\r\nbinary\xff", 17);
  std::ofstream(dir_ / "key.pem", std::ios::binary) << bytes;
  const auto content = readFileContents((dir_ / "key.pem").string(), "signing key");
  ASSERT_TRUE(content.ok()) << content.error().message;
  EXPECT_EQ(*content, bytes);
}

TEST_F(FileContentsTest, EmptyFileIsEmptyContent) {
  std::ofstream(dir_ / "empty");
  const auto content = readFileContents((dir_ / "empty").string(), "template");
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "");
}

TEST_F(FileContentsTest, MissingFileIsNotFoundNamingWhatAndWhereAndWhy) {
  const std::string path = (dir_ / "absent.pem").string();
  const auto content = readFileContents(path, "signing key");
  ASSERT_FALSE(content.ok());
  EXPECT_EQ(content.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(content.error().message, "signing key " + path + " cannot be read: No such file or directory");
}

TEST_F(FileContentsTest, DirectoryIsAnErrorNotEmptyContent) {
  const auto content = readFileContents(dir_.path().string(), "kubeconfig");
  ASSERT_FALSE(content.ok());
  EXPECT_EQ(content.error().code, ErrorCode::kNotFound);
  EXPECT_NE(content.error().message.find("kubeconfig " + dir_.path().string() + " cannot be read"), std::string::npos)
      << content.error().message;
}

TEST_F(FileContentsTest, WriteAllWritesEveryByteAndReadsBackTheSame) {
  const std::string path = (dir_ / "written").string();
  const std::string content = std::string(300000, 'a') + std::string("\0b\r\n", 4);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(writeAll(fd, content), 0);
  ::close(fd);
  EXPECT_EQ(*readFileContents(path, "written file"), content);
}

TEST_F(FileContentsTest, WriteAllReturnsTheErrnoOfTheFailedWrite) {
  const int fd = ::open((dir_ / "read-only").string().c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(writeAll(fd, "x"), EBADF);
  ::close(fd);
}

}  // namespace
}  // namespace agentguard::file
