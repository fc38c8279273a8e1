#include <fmt/format.h>

#include "vigil/core/text.hpp"
#include "vigil/pipeline/analysers.hpp"

namespace vigil::pipeline {

std::string AnalysisSettings::to_json() const {
  return fmt::format(
      "{{\"max_pixels\":{},\"pdq_min_quality\":{},\"pdq_pipeline\":\"{}\",\"pdq_threshold\":{},"
      "\"perceptual\":{},\"vpdq_fraction\":{}}}",
      max_pixels, pdq_min_quality, phash::pdq_pipeline_name(pdq_pipeline), pdq_threshold,
      perceptual, vpdq_fraction);
}

bool holds_file_digests(const OpenSets& sets) {
  for (const auto& set : sets.group.sets())
    for (const auto a :
         {hashset::Algorithm::kMd5, hashset::Algorithm::kSha1, hashset::Algorithm::kSha256})
      if (set.digest_count(a) > 0) return true;
  return false;
}

Result<std::shared_ptr<OpenSets>> open_hash_sets(const std::vector<std::string>& paths,
                                                 case_store::CaseStore& store) {
  auto sets = std::make_shared<OpenSets>();
  for (const auto& p : paths) {
    auto set = hashset::HashSet::open(p);
    if (!set) return make_error(set.error().code, "hash set " + p + ": " + set.error().message);
    const auto& info = set->info();
    std::string sources = "[";
    for (std::size_t i = 0; i < info.sources.size(); ++i) {
      const auto& s = info.sources[i];
      if (i) sources += ',';
      sources += "{";
      append_json_text_field(sources, "file", s.path);
      sources += fmt::format(
          ",\"format\":\"{}\",\"sha256\":\"{}\",\"size\":{},\"records\":{},"
          "\"rejected\":{}}}",
          s.format, s.sha256, s.size, s.records, s.rejected);
    }
    sources += ']';
    std::string counts = "{";
    for (const auto& [alg, n] : info.unique_digests) {
      if (counts.size() > 1) counts += ',';
      counts += fmt::format("\"{}\":{}", alg, n);
    }
    counts += fmt::format("{}\"records\":{}}}", counts.size() > 1 ? "," : "", info.records);
    auto id =
        store.add_hash_set({info.name, info.version, info.publisher, std::string(info.profile.name),
                            info.imported_at, sources, counts, info.set_id});
    if (!id) return id.error();
    sets->case_ids.push_back(*id);
    sets->group.add(std::move(*set));
  }
  return sets;
}

}  // namespace vigil::pipeline
