#include "vigil/pipeline/analysers.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/enumerable_thread_specific.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <set>

#include "video_module.hpp"
#include "vigil/core/text.hpp"
#include "vigil/phash/match.hpp"
#include "vigil/phash/picture_hasher.hpp"
#include "vigil/phash/video.hpp"

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

// The videos of the open lists that were imported from vPDQ frame lists: one video per (set,
// source file), its frames in list order. Built once, on the first video a scan meets, from the
// PDQ records of sets that have a vPDQ source (other sets are not read).
struct VpdqVideo {
  std::size_t set = 0;
  std::vector<std::uint32_t> records;  // parallel to frames
  std::vector<phash::VpdqFrame> frames;
};

struct VpdqCatalogue {
  std::once_flag once;
  std::vector<VpdqVideo> videos;
  std::map<std::pair<std::size_t, std::uint32_t>, std::size_t> video_of;  // (set, record)

  void build(const OpenSets& sets) {
    for (std::size_t s = 0; s < sets.group.sets().size(); ++s) {
      const auto& set = sets.group.sets()[s];
      std::vector<bool> vpdq_source(set.info().sources.size(), false);
      bool any = false;
      for (std::size_t i = 0; i < vpdq_source.size(); ++i)
        any |= vpdq_source[i] = set.info().sources[i].format == "vpdq";
      if (!any) continue;
      std::map<std::uint32_t, std::size_t> by_source;
      const auto& index = set.pdq_index();
      for (std::uint32_t i = 0; i < index.size(); ++i) {
        const std::uint32_t id = set.pdq_record(i);
        auto rec = set.record(id);
        if (!rec) continue;  // a damaged record: the picture matching warns about it when hit
        if (rec->source >= vpdq_source.size() || !vpdq_source[rec->source]) continue;
        auto [it, fresh] = by_source.try_emplace(rec->source, videos.size());
        if (fresh) videos.push_back({s, {}, {}});
        const auto* ts = rec->attribute("timestamp");
        videos[it->second].records.push_back(id);
        videos[it->second].frames.push_back(
            {index.hash(i), rec->pdq_quality, ts ? std::strtod(ts->c_str(), nullptr) : 0.0});
        video_of[{s, id}] = it->second;
      }
    }
  }
};

// A video against the listed vPDQ videos: candidates are the videos with a frame within the
// threshold of one of its keyframes; each is then compared whole (phash::vpdq_match).
void video_matches(const OpenSets& sets, VpdqCatalogue& cat, const AnalysisSettings& s,
                   const std::vector<phash::VideoFrameHash>& keyframes,
                   const case_store::ItemRecord& item, case_store::ItemExtras& extras,
                   std::vector<case_store::WarningRecord>& warns) {
  std::call_once(cat.once, [&] { cat.build(sets); });
  if (cat.videos.empty()) return;
  std::vector<phash::VpdqFrame> query;
  std::map<std::size_t, bool> candidates;
  for (const auto& f : keyframes) {
    query.push_back(phash::to_vpdq_frame(f));
    if (f.pdq.too_small || f.pdq.quality < s.pdq_min_quality) continue;
    for (const auto& m : sets.group.find_near(f.pdq.hash, s.pdq_threshold)) {
      auto it = cat.video_of.find({m.set, m.record});
      if (it != cat.video_of.end()) candidates[it->second] = true;
    }
  }
  const phash::VpdqMatchOptions opts{s.pdq_threshold, s.pdq_min_quality, s.vpdq_fraction};
  for (const auto& [v, unused] : candidates) {
    const auto& video = cat.videos[v];
    const auto r = phash::vpdq_match(query, video.frames, opts);
    if (!r.near) continue;
    const auto li = static_cast<std::size_t>(r.worst_listed_index);
    auto rec = sets.group.sets()[video.set].record(video.records[li]);
    if (!rec) {
      warns.push_back({item.provenance, "hashset", rec.error().message});
      continue;
    }
    auto out =
        base_match(sets, hashset::SetMatch{video.set, video.records[li], r.worst_distance}, *rec);
    // The record is the listed frame that gave the worst distance, with the video's figures.
    out.record.pop_back();
    out.record += fmt::format(
        ",\"matched_fraction\":{:.4f},\"frames\":{},\"matched_frames\":{},\"listed_frames\":{},"
        "\"listed_matched_frames\":{},\"listed_matched_fraction\":{:.4f}}}",
        r.query_fraction, r.query_frames, r.matched_query_frames, r.listed_frames,
        r.matched_listed_frames, r.listed_fraction);
    const auto& q = keyframes[static_cast<std::size_t>(r.worst_query_index)];
    out.kind = "near";
    out.algorithm = "vpdq";
    out.item_value = q.pdq.hash.to_hex();
    out.list_value = video.frames[li].hash.to_hex();
    out.distance = r.worst_distance;
    out.threshold = s.pdq_threshold;
    out.item_quality = q.pdq.quality;
    out.list_quality = video.frames[li].quality;
    out.variant = std::string(phash::dihedral_name(phash::Dihedral::kOriginal));
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
  auto catalogue = std::make_shared<VpdqCatalogue>();
  return [settings, sets, hashers, catalogue](const ItemView& view, case_store::ItemRecord& item,
                                              case_store::ItemExtras& extras,
                                              std::vector<case_store::WarningRecord>& warns) {
    // Decoding is the costly part: its outcome is shared by every item with the same bytes
    // (perceptual_cache.hpp); the rows and warnings it gives are the same for each of them.
    const auto compute = [&]() {
      PerceptualOutcome o;
      if (settings.perceptual && view.type.category == sniff::Category::kVideo) {
        if (view.bytes.empty()) {
          o.warnings.push_back({"limit", "video too large to keep in memory for keyframe hashing"});
        } else {
          phash::VideoOptions vo;
          vo.pipeline = settings.pdq_pipeline;
          vo.max_frame_pixels = settings.max_pixels;
          // The video module loads with the first video (video_module.hpp). One that cannot
          // be loaded is an installation fault, as the media module's is (media_loader.cpp).
          const auto& video = load_video_module();
          if (!video) {
            std::cerr << "vigil: " << video.error().message << "\n";
            std::_Exit(2);
          }
          auto v = (*video)->hash_keyframes(view.bytes, vo);
          if (!v) {
            o.warnings.push_back(
                {v.error().code == ErrorCode::kLimit ? "limit" : "decode", v.error().message});
          } else {
            if (v->truncated) o.warnings.push_back({"limit", v->truncation_reason});
            // One row per keyframe; the pipeline name carries the timestamp (unique per frame).
            // A container without a frame rate may repeat a time: the frame number then keeps the
            // key (item, algorithm, pipeline) unique.
            std::set<std::string> seen;
            for (const auto& f : v->frames) {
              auto name = phash::vpdq_frame_pipeline(f.timestamp_s);
              if (!seen.insert(name).second) name += fmt::format("#{}", f.frame_number);
              o.rows.push_back({"pdq", std::move(name),
                                f.pdq.too_small ? std::string() : f.pdq.hash.to_hex(),
                                f.pdq.quality});
            }
            o.keyframes = std::move(v->frames);
          }
        }
      }
      if (settings.perceptual && view.type.category == sniff::Category::kImage) {
        if (view.bytes.empty()) {
          o.warnings.push_back(
              {"limit", "picture too large to keep in memory for perceptual hashing"});
        } else {
          auto h = hashers->local().hash(view.bytes);
          if (!h) {
            o.warnings.push_back(
                {h.error().code == ErrorCode::kLimit ? "limit" : "decode", h.error().message});
          } else {
            // A decoder that went past data errors made up the pixels it could not read: the
            // hash stands, and the warning says what it is of.
            if (h->decoder_warnings > 0)
              o.warnings.push_back(
                  {"decode",
                   fmt::format("{}: the decoder went past {} data error{} (first: {}); "
                               "hashed as decoded",
                               phash::image_format_name(h->header.format), h->decoder_warnings,
                               h->decoder_warnings == 1 ? "" : "s", h->first_decoder_warning)});
            // A picture under 5 px a side has no PDQ: recorded with an empty hash and quality 0,
            // and said in a warning so the report's limitations count it.
            if (h->pdq.too_small)
              o.warnings.push_back({"pdq", "picture of " + std::to_string(h->width) + " x " +
                                               std::to_string(h->height) +
                                               " px is under 5 px on a side: no PDQ hash"});
            o.rows.push_back({"pdq", h->pdq.pipeline,
                              h->pdq.too_small ? std::string() : h->pdq.hash.to_hex(),
                              h->pdq.quality});
            if (h->phash)
              o.rows.push_back({"opencv-phash", "opencv-img_hash-phash", h->phash->to_hex(), -1});
            o.pdq = std::move(h->pdq);
          }
        }
      }
      return o;
    };
    const bool decodes = settings.perceptual && (view.type.category == sniff::Category::kVideo ||
                                                 view.type.category == sniff::Category::kImage);
    PerceptualCache::Shared shared;
    if (decodes && settings.reuse && !view.bytes.empty() && !item.xxh3_128.empty()) {
      const bool need_full = sets && !sets->group.sets().empty();
      shared = settings.reuse->get(item.xxh3_128, need_full, compute);
    } else if (decodes) {
      shared = std::make_shared<const PerceptualOutcome>(compute());
    }
    const phash::PdqResult* pdq = nullptr;
    const std::vector<phash::VideoFrameHash>* keyframes = nullptr;
    if (shared) {
      extras.perceptual.insert(extras.perceptual.end(), shared->rows.begin(), shared->rows.end());
      for (const auto& [code, message] : shared->warnings)
        warns.push_back({item.provenance, code, message});
      if (shared->pdq) pdq = &*shared->pdq;
      if (shared->keyframes) keyframes = &*shared->keyframes;
    }
    if (sets && !sets->group.sets().empty()) {
      exact_matches(*sets, item, extras, warns);
      if (pdq) near_matches(*sets, settings, *pdq, item, extras, warns);
      if (keyframes) video_matches(*sets, *catalogue, settings, *keyframes, item, extras, warns);
    }
  };
}

}  // namespace vigil::pipeline
