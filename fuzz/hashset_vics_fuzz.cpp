// libFuzzer target: arbitrary bytes through the streaming VICS JSON parser alone
// (lib/hashset parse_vics), so the fuzzer's whole budget goes to the SAX state machine. Seed it
// with the vics-*.json files that testdata/hashsets/make_samples.py writes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "vigil/hashset/parsers.hpp"

namespace {

class CheckingSink : public vigil::hashset::RecordSink {
 public:
  vigil::Result<void> record(vigil::hashset::Record&& r) override {
    if (!r.md5 && !r.sha1 && !r.sha256) std::abort();  // VICS records always carry a digest
    return {};
  }
  void reject(std::uint64_t, std::string) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  CheckingSink sink;
  (void)vigil::hashset::parse_vics(in, sink);
  return 0;
}
