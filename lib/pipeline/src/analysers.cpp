#include "vigil/pipeline/analysers.hpp"
#include "vigil/pipeline/media_module.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/enumerable_thread_specific.h>

#include <map>

#include "vigil/core/text.hpp"
#include "vigil/phash/match.hpp"
#include "vigil/phash/picture_hasher.hpp"

namespace vigil::pipeline {
namespace {

using case_store::MatchRecord;

// The list record as JSON, every field kept as the list wrote it (a null category stays null).
std::string record_json(const hashset::Record& r, const hashset::SetInfo& set) {
  std::string o = "{";
  append_json_text_field(o, "set", set.name);
  o += ',';
  append_json_text_field(o, "set_version", set.version);
  for (const auto& [key, d] :
       {std::pair{"md5", &r.md5}, std::pair{"sha1", &r.sha1}, std::pair{"sha256", &r.sha256}}) {
    if (*d) o += fmt::format(",\"{}\":\"{}\"", key, (*d)->to_hex());
  }
  if (r.pdq) o += fmt::format(",\"pdq\":\"{}\"", r.pdq->to_hex());
  if (r.pdq_quality >= 0) o += fmt::format(",\"pdq_quality\":{}", r.pdq_quality);
  switch (r.category.state) {
    case hashset::Category::State::kAbsent:
      break;
    case hashset::Category::State::kNull:
      o += ",\"category\":null";
      break;
    case hashset::Category::State::kValue:
      o += ',';
      append_json_text_field(o, "category", r.category.raw);
      break;
  }
  o += fmt::format(",\"status\":\"{}\"", hashset::status_name(r.status));
  if (!r.photodna.empty()) {
    o += ',';
    append_json_text_field(o, "photodna", r.photodna);
  }
  if (!r.file_name.empty()) {
    o += ',';
    append_json_text_field(o, "file_name", r.file_name);
  }
  if (r.size) o += fmt::format(",\"size\":{}", *r.size);
  const auto src = r.source < set.sources.size() ? set.sources[r.source].path : std::string();
  o += ',';
  append_json_text_field(o, "source", src);
  o += fmt::format(",\"source_line\":{}", r.source_line);
  for (const auto& [k, v] : r.attributes) {
    o += ',';
    append_json_text_field(o, "attr_" + k, v);
  }
  return o + "}";
}

MatchRecord base_match(const OpenSets& sets, const hashset::SetMatch& m, const hashset::Record& r) {
  MatchRecord out;
  out.set_id = sets.case_ids[m.set];
  out.status = std::string(hashset::status_name(r.status));
  if (r.category.state == hashset::Category::State::kValue) out.category = r.category.raw;
  out.record = record_json(r, sets.group.sets()[m.set].info());
  return out;
}

void exact_matches(const OpenSets& sets, const case_store::ItemRecord& item,
                   case_store::ItemExtras& extras, std::vector<case_store::WarningRecord>& warns) {
  const std::pair<hashset::Algorithm, const std::string*> digests[] = {
      {hashset::Algorithm::kMd5, &item.md5},
      {hashset::Algorithm::kSha1, &item.sha1},
      {hashset::Algorithm::kSha256, &item.sha256}};
  for (const auto& [alg, hex] : digests) {
    if (hex->empty()) continue;
    const auto d = hashset::Digest::from_hex(*hex, alg);
    if (!d) continue;
    for (const auto& m : sets.group.find(*d)) {
      auto rec = sets.group.sets()[m.set].record(m.record);
      if (!rec) {
        warns.push_back({item.provenance, "hashset", rec.error().message});
        continue;
      }
      auto out = base_match(sets, m, *rec);
      out.kind = "exact";
      out.algorithm = std::string(hashset::algorithm_name(alg));
      out.item_value = *hex;
      out.list_value = *hex;
      extras.matches.push_back(std::move(out));
    }
  }
}

void near_matches(const OpenSets& sets, const AnalysisSettings& s, const phash::PdqResult& pdq,
                  const case_store::ItemRecord& item, case_store::ItemExtras& extras,
                  std::vector<case_store::WarningRecord>& warns) {
  if (pdq.too_small || pdq.quality < s.pdq_min_quality || !phash::is_valid_pdq_hash(pdq.hash))
    return;
  // Best (smallest) distance per list record over the eight variants.
  std::map<std::pair<std::size_t, std::uint32_t>, std::pair<int, phash::Dihedral>> best;
  const int variants = pdq.dihedral ? phash::kDihedralCount : 1;
  for (int v = 0; v < variants; ++v) {
    const Hash256& q = pdq.dihedral ? (*pdq.dihedral)[static_cast<std::size_t>(v)] : pdq.hash;
    for (const auto& m : sets.group.find_near(q, s.pdq_threshold)) {
      const auto key = std::pair{m.set, m.record};
      auto it = best.find(key);
      if (it == best.end() || m.distance < it->second.first)
        best[key] = {m.distance, static_cast<phash::Dihedral>(v)};
    }
  }
  for (const auto& [key, hit] : best) {
    const hashset::SetMatch m{key.first, key.second, hit.first};
    auto rec = sets.group.sets()[m.set].record(m.record);
    if (!rec) {
      warns.push_back({item.provenance, "hashset", rec.error().message});
      continue;
    }
    if (!rec->pdq) continue;
    // The list's own quality gate: a listed hash below the minimum is not compared.
    if (rec->pdq_quality >= 0 && rec->pdq_quality < s.pdq_min_quality) continue;
    auto out = base_match(sets, m, *rec);
    out.kind = "near";
    out.algorithm = "pdq";
    out.item_value = pdq.hash.to_hex();
    out.list_value = rec->pdq->to_hex();
    out.distance = hit.first;
    out.threshold = s.pdq_threshold;
    out.item_quality = pdq.quality;
    out.list_quality = rec->pdq_quality;
    out.variant = std::string(phash::dihedral_name(hit.second));
    extras.matches.push_back(std::move(out));
  }
}

}  // namespace

Analyser make_media_analyser_impl(const AnalysisSettings& settings,
                                  std::shared_ptr<OpenSets> sets) {
  phash::PictureHashOptions opts;
  opts.limits.max_pixels = settings.max_pixels;
  opts.pdq.pipeline = settings.pdq_pipeline;
  opts.pdq.dihedral = sets != nullptr;  // variants are needed only to match
  auto hashers = std::make_shared<tbb::enumerable_thread_specific<phash::PictureHasher>>(
      [opts] { return phash::PictureHasher(opts); });
  return [settings, sets, hashers](const ItemView& view, case_store::ItemRecord& item,
                                   case_store::ItemExtras& extras,
                                   std::vector<case_store::WarningRecord>& warns) {
    std::optional<phash::PdqResult> pdq;
    if (settings.perceptual && view.type.category == sniff::Category::kImage) {
      if (view.bytes.empty()) {
        warns.push_back({item.provenance, "limit",
                         "picture too large to keep in memory for perceptual hashing"});
      } else {
        auto h = hashers->local().hash(view.bytes);
        if (!h) {
          warns.push_back({item.provenance,
                           h.error().code == ErrorCode::kLimit ? "limit" : "decode",
                           h.error().message});
        } else {
          // A picture under 5 px a side has no PDQ: recorded with an empty hash and quality 0.
          extras.perceptual.push_back({"pdq", h->pdq.pipeline,
                                       h->pdq.too_small ? std::string() : h->pdq.hash.to_hex(),
                                       h->pdq.quality});
          if (h->phash)
            extras.perceptual.push_back(
                {"opencv-phash", "opencv-img_hash-phash", h->phash->to_hex(), -1});
          pdq = std::move(h->pdq);
        }
      }
    }
    if (sets && !sets->group.sets().empty()) {
      exact_matches(*sets, item, extras, warns);
      if (pdq) near_matches(*sets, settings, *pdq, item, extras, warns);
    }
  };
}

}  // namespace vigil::pipeline

// The module's one entry point (media_module.hpp): resolved with dlsym by load_media_module().
extern "C" __attribute__((visibility("default"))) const vigil::pipeline::MediaModule*
vigil_media_module() {
  static const vigil::pipeline::MediaModule kModule{vigil::pipeline::kMediaModuleAbi,
                                                    &vigil::pipeline::make_media_analyser_impl,
                                                    &vigil::pipeline::run_hash_command};
  return &kModule;
}
