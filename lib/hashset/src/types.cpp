#include "vigil/hashset/types.hpp"

#include <algorithm>
#include <cctype>

#include "vigil/hashset/profile.hpp"

namespace vigil::hashset {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::kMd5:
      return "md5";
    case Algorithm::kSha1:
      return "sha1";
    case Algorithm::kSha256:
      return "sha256";
  }
  return "unknown";
}

std::optional<Algorithm> algorithm_from_name(std::string_view name) {
  std::string n = lower(name);
  std::erase(n, '-');
  if (n == "md5") return Algorithm::kMd5;
  if (n == "sha1") return Algorithm::kSha1;
  if (n == "sha256" || n == "sha2256") return Algorithm::kSha256;
  return std::nullopt;
}

std::optional<Algorithm> algorithm_for_hex_length(std::size_t hex_chars) {
  switch (hex_chars) {
    case 32:
      return Algorithm::kMd5;
    case 40:
      return Algorithm::kSha1;
    case 64:
      return Algorithm::kSha256;
    default:
      return std::nullopt;
  }
}

bool parse_hex(std::string_view hex, std::uint8_t* out, std::size_t out_size) {
  if (hex.size() != out_size * 2) return false;
  for (std::size_t i = 0; i < out_size; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return true;
}

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return hex_value(c) >= 0; });
}

std::string Digest::to_hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size() * 2);
  for (std::size_t i = 0; i < size(); ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

std::optional<Digest> Digest::from_hex(std::string_view hex) {
  auto a = algorithm_for_hex_length(hex.size());
  if (!a) return std::nullopt;
  return from_hex(hex, *a);
}

std::optional<Digest> Digest::from_hex(std::string_view hex, Algorithm algorithm) {
  Digest d;
  d.algorithm = algorithm;
  if (!parse_hex(hex, d.bytes.data(), d.size())) return std::nullopt;
  return d;
}

std::string_view status_name(Status s) {
  switch (s) {
    case Status::kAlert:
      return "alert";
    case Status::kKnown:
      return "known";
    case Status::kIgnore:
      return "ignore";
  }
  return "unknown";
}

std::optional<Status> status_from_name(std::string_view name) {
  if (name == "alert") return Status::kAlert;
  if (name == "known") return Status::kKnown;
  if (name == "ignore") return Status::kIgnore;
  return std::nullopt;
}

std::string Category::describe() const {
  switch (state) {
    case State::kAbsent:
      return "absent";
    case State::kNull:
      return "null";
    case State::kValue:
      return raw;
  }
  return "absent";
}

const std::string* Record::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes)
    if (k == key) return &v;
  return nullptr;
}

Status StatusProfile::status_for(const Category& c) const {
  switch (c.state) {
    case Category::State::kAbsent:
      return if_absent;
    case Category::State::kNull:
      return if_null;
    case Category::State::kValue: {
      auto it = by_value.find(c.raw);
      return it == by_value.end() ? otherwise : it->second;
    }
  }
  return otherwise;
}

StatusProfile StatusProfile::vics_us() {
  StatusProfile p;
  p.name = "vics-us";
  p.category_scheme = "VICS-US";
  p.by_value = {{"0", Status::kIgnore},
                {"1", Status::kAlert},
                {"2", Status::kAlert},
                {"3", Status::kAlert},
                {"4", Status::kKnown}};
  return p;
}

StatusProfile StatusProfile::vics_uk() {
  StatusProfile p;
  p.name = "vics-uk";
  p.category_scheme = "VICS-UK";
  for (const char* v : {"A", "B", "C", "a", "b", "c", "1", "2", "3"})
    p.by_value[v] = Status::kAlert;
  return p;
}

StatusProfile StatusProfile::nsrl() {
  StatusProfile p;
  p.name = "nsrl";
  p.category_scheme = "none";
  return p;
}

StatusProfile StatusProfile::custom(Status fallback) {
  StatusProfile p;
  p.name = "custom";
  p.category_scheme = "custom";
  p.if_null = p.if_absent = p.otherwise = fallback;
  return p;
}

std::optional<StatusProfile> StatusProfile::by_name(std::string_view name) {
  if (name == "vics-us") return vics_us();
  if (name == "vics-uk") return vics_uk();
  if (name == "nsrl") return nsrl();
  if (name == "custom") return custom(Status::kKnown);
  return std::nullopt;
}

}  // namespace vigil::hashset
