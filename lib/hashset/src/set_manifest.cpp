#include "set_manifest.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "mapped_file.hpp"

namespace vigil::hashset {

std::string SetInfo::compute_set_id() const {
  detail::Sha256 h;
  auto add = [&](const std::string& s) {
    h.update(s.data(), s.size());
    h.update("\n", 1);
  };
  add("vigil-hashset");
  add(name);
  add(version);
  for (const auto& s : sources) add(s.sha256);
  return h.hex_final();
}

namespace detail {

Result<void> write_manifest(const std::filesystem::path& file, const SetInfo& info) {
  nlohmann::ordered_json j;
  j["layout"] = "vigil-hashset";
  j["layout_version"] = kSetLayoutVersion;
  j["name"] = info.name;
  j["version"] = info.version;
  j["publisher"] = info.publisher;
  j["imported_at"] = info.imported_at;
  j["set_id"] = info.set_id;
  auto& p = j["profile"];
  p["name"] = info.profile.name;
  p["category_scheme"] = info.profile.category_scheme;
  p["map"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : info.profile.by_value) p["map"][k] = status_name(v);
  p["null"] = status_name(info.profile.if_null);
  p["absent"] = status_name(info.profile.if_absent);
  p["otherwise"] = status_name(info.profile.otherwise);
  j["sources"] = nlohmann::ordered_json::array();
  for (const auto& s : info.sources)
    j["sources"].push_back({{"path", s.path},
                            {"format", s.format},
                            {"detail", s.detail},
                            {"sha256", s.sha256},
                            {"size", s.size},
                            {"records", s.records},
                            {"rejected", s.rejected}});
  j["records"] = info.records;
  j["unique_digests"] = info.unique_digests;
  j["rejected"] = info.rejected;
  j["min_pdq_quality"] = info.min_pdq_quality;
  std::string text;
  try {
    // Names from lists may be any bytes: replace invalid UTF-8 rather than fail the import.
    text = j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("set.json: ") + e.what());
  }
  auto w = FileWriter::create(file);
  if (!w) return w.error();
  w->write(text.data(), text.size());
  return w->close();
}

Result<SetInfo> read_manifest(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, file.string() + ": cannot open");
  try {
    auto j = nlohmann::json::parse(in);
    if (j.value("layout", "") != "vigil-hashset")
      return make_error(ErrorCode::kUnsupported, file.string() + ": not a vigil hash set");
    if (j.value("layout_version", 0) != kSetLayoutVersion)
      return make_error(ErrorCode::kUnsupported, file.string() + ": unsupported layout version");
    SetInfo info;
    info.name = j.at("name").get<std::string>();
    info.version = j.at("version").get<std::string>();
    info.publisher = j.at("publisher").get<std::string>();
    info.imported_at = j.at("imported_at").get<std::string>();
    info.set_id = j.at("set_id").get<std::string>();
    const auto& p = j.at("profile");
    info.profile.name = p.at("name").get<std::string>();
    info.profile.category_scheme = p.at("category_scheme").get<std::string>();
    auto status = [&](const nlohmann::json& v) {
      auto s = status_from_name(v.get<std::string>());
      if (!s) throw std::runtime_error("unknown status " + v.get<std::string>());
      return *s;
    };
    for (const auto& [k, v] : p.at("map").items()) info.profile.by_value[k] = status(v);
    info.profile.if_null = status(p.at("null"));
    info.profile.if_absent = status(p.at("absent"));
    info.profile.otherwise = status(p.at("otherwise"));
    for (const auto& s : j.at("sources")) {
      SourceFile f;
      f.path = s.at("path").get<std::string>();
      f.format = s.at("format").get<std::string>();
      f.detail = s.at("detail").get<std::string>();
      f.sha256 = s.at("sha256").get<std::string>();
      f.size = s.at("size").get<std::uint64_t>();
      f.records = s.at("records").get<std::uint64_t>();
      f.rejected = s.at("rejected").get<std::uint64_t>();
      info.sources.push_back(std::move(f));
    }
    info.records = j.at("records").get<std::uint64_t>();
    info.unique_digests = j.at("unique_digests").get<std::map<std::string, std::uint64_t>>();
    info.rejected = j.at("rejected").get<std::uint64_t>();
    info.min_pdq_quality = j.value("min_pdq_quality", 50);
    return info;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, file.string() + ": " + e.what());
  }
}

}  // namespace detail
}  // namespace vigil::hashset
