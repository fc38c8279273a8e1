#include <oneapi/tbb/version.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <sys/utsname.h>
#include <xxhash.h>

#include <fmt/format.h>

#include "vigil/evidence/evidence.hpp"
#include "vigil/pipeline/scan.hpp"

namespace vigil::pipeline {

std::string library_versions_json() {
  const unsigned xxh = XXH_versionNumber();
  return fmt::format(
      "{{\"libewf\":\"{}\",\"openssl\":\"{}\",\"sqlite\":\"{}\",\"tbb\":\"{}\",\"tsk\":\"{}\","
      "\"xxhash\":\"{}.{}.{}\"}}",
      evidence::libewf_version(), OpenSSL_version(OPENSSL_VERSION), sqlite3_libversion(),
      TBB_runtime_version(), evidence::tsk_version(), xxh / 10000, (xxh / 100) % 100, xxh % 100);
}

std::string host_description() {
  struct utsname u {};
  if (::uname(&u) != 0) return "unknown";
  return fmt::format("{} {} {} {}", u.nodename, u.sysname, u.release, u.machine);
}

}  // namespace vigil::pipeline
