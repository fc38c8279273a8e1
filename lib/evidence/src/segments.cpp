// Finding every file of a split raw image from its first segment, the way examiners name them:
// NAME.001/.002... (also .000 first), NAME.aa/.ab..., NAME.raw.001 etc.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "vigil/evidence/evidence.hpp"

namespace vigil::evidence {
namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Increments a suffix of digits or lower-case letters; false on overflow.
bool increment(std::string& suffix) {
  for (std::size_t i = suffix.size(); i-- > 0;) {
    char& c = suffix[i];
    if (c == '9') {
      c = '0';
    } else if (c == 'z') {
      c = 'a';
    } else {
      ++c;
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> find_split_segments(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const auto slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {path};
  const std::string base = path.substr(0, dot + 1);
  std::string suffix = path.substr(dot + 1);
  const bool digits = !suffix.empty() && suffix.size() <= 4 &&
                      std::all_of(suffix.begin(), suffix.end(),
                                  [](unsigned char c) { return std::isdigit(c) != 0; });
  const bool letters = suffix.size() == 2 && std::islower(static_cast<unsigned char>(suffix[0])) &&
                       std::islower(static_cast<unsigned char>(suffix[1]));
  // Only a first segment starts a split set (.000, .001, .aa); later ones are opened as given.
  const bool first = (digits && std::stoul(suffix) <= 1) || (letters && suffix == "aa");
  if (!first) return {path};
  std::vector<std::string> out{path};
  while (increment(suffix)) {
    const std::string next = base + suffix;
    if (!exists(next)) break;
    out.push_back(next);
  }
  return out;
}

}  // namespace vigil::evidence
