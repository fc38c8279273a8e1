// Every report cites the tool-validation record by version and SHA-256 (issue 15). The values are
// computed by CMake from docs/VALIDATION.md; this test recomputes them from the file.
#include "vigil/report/validation_record.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <string>

namespace vigil::report {
namespace {

std::string read_record() {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/" + std::string(kValidationRecord),
                   std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

TEST(ValidationRecord, CitedHashAndVersionAreTheFiles) {
  const std::string record = read_record();
  ASSERT_FALSE(record.empty());
  EXPECT_EQ(kValidationSha256, sha256_hex(record));
  ASSERT_FALSE(kValidationVersion.empty());
  EXPECT_NE(record.find("\nVersion: " + std::string(kValidationVersion) + " "), std::string::npos);
}

}  // namespace
}  // namespace vigil::report
