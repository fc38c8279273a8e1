// The same bytes are never decoded twice in a case (issue 12): the perceptual results of a
// picture or video (its perceptual rows, the warnings the decode gave, and the PDQ result or
// keyframes that matching needs) are kept under the XXH3-128 of its bytes, and every later item
// with those bytes (a copy, a backup, the same picture inside several archives) reuses them.
//
// Concurrent: the first worker to ask for a key computes it, later ones wait for that result
// instead of decoding again. Seeded from the case store on a resumed scan with the rows earlier
// runs stored; a seeded entry carries rows only (no dihedral variants), so it serves items only
// when no known list is being matched, and is computed afresh otherwise.
//
// Header-only: the executable seeds it, the media module (a separate shared library built from
// the same sources) uses it; an instance crosses between them as a shared_ptr.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vigil/case/case_store.hpp"
#include "vigil/phash/pdq.hpp"
#include "vigil/phash/video.hpp"

namespace vigil::pipeline {

struct PerceptualOutcome {
  std::vector<case_store::PerceptualRecord> rows;
  std::vector<std::pair<std::string, std::string>> warnings;  // (code, message)
  std::optional<phash::PdqResult> pdq;
  std::optional<std::vector<phash::VideoFrameHash>> keyframes;
  bool seeded = false;  // from the case store: rows only
};

class PerceptualCache {
 public:
  using Shared = std::shared_ptr<const PerceptualOutcome>;

  // Seeds from the case store: the rows of pictures hashed by earlier runs of this case whose
  // PDQ came from `pdq_pipeline` (rows of other pipelines are not this run's results).
  Result<void> seed(case_store::CaseStore& store, const std::string& pdq_pipeline) {
    auto rows = store.perceptual_by_content("image");
    if (!rows) return rows.error();
    std::map<std::string, PerceptualOutcome> found;
    for (auto& r : *rows) found[r.xxh3_128].rows.push_back(std::move(r.row));
    const std::lock_guard lock(mutex_);
    for (auto& [key, outcome] : found) {
      bool usable = false;
      std::vector<case_store::PerceptualRecord> keep;
      for (auto& row : outcome.rows) {
        if (row.algorithm == "pdq" && row.pipeline == pdq_pipeline && !row.hash.empty())
          usable = true;
        // Copies of the same bytes stored the same rows: keep each (algorithm, pipeline) once,
        // the first item's (rows come in item order).
        const bool seen = std::any_of(keep.begin(), keep.end(), [&row](const auto& k) {
          return k.algorithm == row.algorithm && k.pipeline == row.pipeline;
        });
        if (!seen && ((row.algorithm == "pdq" && row.pipeline == pdq_pipeline) ||
                      row.algorithm == "opencv-phash"))
          keep.push_back(std::move(row));
      }
      if (!usable) continue;
      auto o = std::make_shared<PerceptualOutcome>();
      o->rows = std::move(keep);
      o->seeded = true;
      std::promise<Shared> p;
      p.set_value(std::move(o));
      map_.emplace(key, p.get_future().share());
      ++seeded_;
    }
    return {};
  }

  // The outcome for these bytes: computed once by the first caller (compute may throw: every
  // caller of that key then sees the same exception). need_full: a seeded entry will not do.
  Shared get(const std::string& xxh3_128, bool need_full,
             const std::function<PerceptualOutcome()>& compute) {
    std::promise<Shared> mine;
    std::shared_future<Shared> theirs;
    {
      const std::lock_guard lock(mutex_);
      auto it = map_.find(xxh3_128);
      if (it != map_.end()) {
        theirs = it->second;
        // A seeded entry is always ready; when it will not do, this caller computes a full one.
        if (need_full && theirs.wait_for(std::chrono::seconds(0)) == std::future_status::ready &&
            theirs.get()->seeded) {
          it->second = mine.get_future().share();
          theirs = {};
        }
      } else {
        map_.emplace(xxh3_128, mine.get_future().share());
      }
    }
    if (theirs.valid()) {
      ++reused_;
      return theirs.get();
    }
    ++computed_;
    try {
      auto o = std::make_shared<PerceptualOutcome>(compute());
      mine.set_value(o);
      return o;
    } catch (...) {
      mine.set_exception(std::current_exception());
      throw;
    }
  }

  [[nodiscard]] std::uint64_t reused() const { return reused_.load(); }
  [[nodiscard]] std::uint64_t computed() const { return computed_.load(); }
  [[nodiscard]] std::uint64_t seeded() const { return seeded_.load(); }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_future<Shared>> map_;
  std::atomic<std::uint64_t> reused_{0}, computed_{0}, seeded_{0};
};

}  // namespace vigil::pipeline
