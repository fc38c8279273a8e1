// The plan file of vigil plan (cli/units.hpp): its id, loading, and the evidence checks that the
// units and the merge share.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "units.hpp"
#include "vigil/digest/multi_hasher.hpp"
#include "vigil/pipeline/units.hpp"

namespace vigil::cli {

std::string plan_id(const nlohmann::json& plan) {
  auto body = plan;
  body.erase("id");
  const std::string text = body.dump();
  return digest::digest_buffer({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()},
                               true)
      .hex(digest::Algorithm::kSha256);
}

Result<nlohmann::json> load_plan(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read the plan " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto plan = nlohmann::json::parse(text.str(), nullptr, false);
  if (plan.is_discarded() || !plan.is_object())
    return make_error(ErrorCode::kCorrupt, path + " is not a plan (not JSON)");
  if (plan.value("format", "") != kPlanFormat)
    return make_error(ErrorCode::kUnsupported,
                      path + " is not a plan this vigil reads (format " + kPlanFormat + ")");
  if (!plan.contains("id") || !plan["id"].is_string() || plan["id"] != plan_id(plan))
    return make_error(ErrorCode::kMismatch,
                      path +
                          " was changed after vigil plan wrote it (its id does not match its "
                          "content); make a new plan");
  try {
    for (const auto& u : plan.at("units")) {
      const auto ev = u.at("evidence").get<std::size_t>();
      if (ev >= plan.at("evidence").size())
        return make_error(ErrorCode::kCorrupt, path + ": a unit names no evidence of the plan");
    }
    (void)plan.at("scan_args").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kCorrupt, path + " is not a complete plan: " + e.what());
  }
  return plan;
}

std::string plan_case_dir(const std::string& plan_path) {
  return std::filesystem::absolute(plan_path).lexically_normal().parent_path().string();
}

std::string unit_store_dir(const std::string& case_dir, int unit) {
  return case_dir + "/units/" + std::to_string(unit);
}

std::string unit_partial_dir(const std::string& case_dir, int unit) {
  return case_dir + "/units/" + std::to_string(unit) + ".partial";
}

Result<void> check_evidence_unchanged(const nlohmann::json& evidence) {
  const std::string name = evidence.at("path").get<std::string>();
  if (!std::filesystem::exists(name))
    return make_error(ErrorCode::kNotFound, "evidence " + name + " is no longer there");
  for (const auto& f : evidence.at("files")) {
    const auto path = f.at("path").get<std::string>();
    auto now = pipeline::identify_file(path);
    if (!now)
      return make_error(ErrorCode::kMismatch, "evidence " + name + ": " + now.error().message);
    const auto size = f.at("size").get<std::uint64_t>();
    if (now->size != size)
      return make_error(ErrorCode::kMismatch,
                        fmt::format("evidence {} changed since it was planned: {} was {} bytes and "
                                    "is now {}; make a new plan",
                                    name, path, size, now->size));
    if (now->head_tail_sha256 != f.at("head_tail_sha256").get<std::string>())
      return make_error(ErrorCode::kMismatch,
                        fmt::format("evidence {} changed since it was planned: the first or last "
                                    "MiB of {} has other bytes; make a new plan",
                                    name, path));
  }
  return {};
}

}  // namespace vigil::cli
