// One memory budget shared by every scan worker: a counting semaphore of bytes.
//
// A worker that wants to keep an item's content in memory (for the analysers) reserves its size
// first and gives it back when the item is done. A request waits while the bytes are held by
// others, so the largest item that can be kept is the whole budget, whatever the thread count,
// and what the scan stores never depends on --threads (issue 10).
//
// Progress: holders never wait on anything once they hold their bytes (they read, analyse and
// release), so the held bytes always come back. Waiting requests are granted in the order of
// their item (the walk index), lowest first: the lowest waiting item is served as soon as the
// bytes it asks for are free, and a stream of later, smaller items cannot starve it. Every
// request is at most the capacity, so the lowest waiter always proceeds once the others release.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>

namespace vigil::pipeline {

class MemoryBudget {
 public:
  explicit MemoryBudget(std::uint64_t capacity) : capacity_(capacity) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  [[nodiscard]] std::uint64_t capacity() const { return capacity_; }

  // Blocks until `bytes` are free and no item of a lower `order` is waiting, then holds them.
  // Returns false at once (holding nothing) when bytes exceeds the capacity: such a request could
  // never be served.
  bool acquire(std::uint64_t bytes, std::size_t order) {
    if (bytes > capacity_) return false;
    std::unique_lock lock(mutex_);
    const auto me = waiting_.insert(order);
    changed_.wait(lock, [&] { return waiting_.begin() == me && capacity_ - held_ >= bytes; });
    waiting_.erase(me);
    held_ += bytes;
    peak_ = std::max(peak_, held_);
    ++grants_;
    // The next lowest waiter may now be first in line and fit as well.
    changed_.notify_all();
    return true;
  }

  void release(std::uint64_t bytes) {
    {
      const std::lock_guard lock(mutex_);
      held_ -= std::min(bytes, held_);
    }
    changed_.notify_all();
  }

  [[nodiscard]] std::uint64_t held() const {
    const std::lock_guard lock(mutex_);
    return held_;
  }
  // The most bytes ever held at once (for tests and the scan's figures).
  [[nodiscard]] std::uint64_t peak() const {
    const std::lock_guard lock(mutex_);
    return peak_;
  }
  [[nodiscard]] std::size_t waiting() const {
    const std::lock_guard lock(mutex_);
    return waiting_.size();
  }
  [[nodiscard]] std::uint64_t grants() const {
    const std::lock_guard lock(mutex_);
    return grants_;
  }

 private:
  const std::uint64_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::multiset<std::size_t> waiting_;  // orders of the waiting requests
  std::uint64_t held_ = 0;
  std::uint64_t peak_ = 0;
  std::uint64_t grants_ = 0;
};

// Holds a reservation and gives it back when it goes out of scope (an analyser may throw).
class BudgetHold {
 public:
  BudgetHold() = default;
  BudgetHold(MemoryBudget* budget, std::uint64_t bytes) : budget_(budget), bytes_(bytes) {}
  ~BudgetHold() { reset(); }
  BudgetHold(const BudgetHold&) = delete;
  BudgetHold& operator=(const BudgetHold&) = delete;
  BudgetHold(BudgetHold&& o) noexcept : budget_(o.budget_), bytes_(o.bytes_) {
    o.budget_ = nullptr;
  }
  BudgetHold& operator=(BudgetHold&& o) noexcept {
    if (this != &o) {
      reset();
      budget_ = o.budget_;
      bytes_ = o.bytes_;
      o.budget_ = nullptr;
    }
    return *this;
  }
  void reset() {
    if (budget_ != nullptr) budget_->release(bytes_);
    budget_ = nullptr;
  }

 private:
  MemoryBudget* budget_ = nullptr;
  std::uint64_t bytes_ = 0;
};

}  // namespace vigil::pipeline
