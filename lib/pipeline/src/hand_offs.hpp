// ThreadSanitizer annotations for the hand-offs oneTBB makes between threads (internal to
// lib/pipeline). libtbb.so is not built with ThreadSanitizer: the scheduler starts the filters of a
// parallel_pipeline and the bodies of a parallel_for on its worker threads, orders the calls of a
// serial filter, passes each token from one filter to the next and joins them all again through
// its own atomics and futexes, none of which ThreadSanitizer sees. Without these annotations it
// reports every object that travels between filters, and a serial filter's own state (the input
// filter's `next`), as a race. Each annotation states an ordering that TBB guarantees; none orders
// two calls that TBB may run at the same time (two calls of a parallel filter, or two bodies of a
// parallel_for), so a race between those is still reported.
//
// Use: one HandOffs per parallel_pipeline or parallel_for, living as long as it;
//   launch() on the launching thread after the filters are built (the workers read the bodies)
//   and just before parallel_pipeline/parallel_for, joined() just after it returns;
//   every filter body wrapped in serial(...) or parallel(...) by its filter mode, every
//   parallel_for body in parallel(...).
// A wrapped call sees (happens after) the launch, the token it takes (when the token is a
// pointer) and, in a serial filter, the filter's previous call; what it did is seen by the next
// filter's call on the token it passes on and, after joined(), by the launching thread.
// Tokens are pointers or plain values (a value token is copied in the scheduler's memory, which
// ThreadSanitizer does not watch); a class-type token such as a shared_ptr is constructed by
// TBB's header code in memory read on another thread, so it is not used.
// In a build without ThreadSanitizer every member function is empty and inlined away.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <type_traits>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#define VIGIL_TSAN_ANNOTATIONS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VIGIL_TSAN_ANNOTATIONS 1
#endif
#endif

#ifdef VIGIL_TSAN_ANNOTATIONS
#include <sanitizer/tsan_interface.h>
// What happened on this thread before is seen by a thread that later runs VIGIL_HAPPENS_AFTER
// on the same address.
#define VIGIL_HAPPENS_BEFORE(addr) __tsan_release(const_cast<void*>(static_cast<const void*>(addr)))
#define VIGIL_HAPPENS_AFTER(addr) __tsan_acquire(const_cast<void*>(static_cast<const void*>(addr)))
#else
#define VIGIL_HAPPENS_BEFORE(addr) static_cast<void>(addr)
#define VIGIL_HAPPENS_AFTER(addr) static_cast<void>(addr)
#endif

namespace vigil::pipeline::detail {

class HandOffs {
 public:
  HandOffs() = default;
  HandOffs(const HandOffs&) = delete;
  HandOffs& operator=(const HandOffs&) = delete;

  void launch() const { VIGIL_HAPPENS_BEFORE(&launched_); }
  void joined() const { VIGIL_HAPPENS_AFTER(&finished_); }

  // A filter whose calls TBB runs one at a time (filter_mode::serial_in_order/out_of_order).
  template <class Body>
  auto serial(Body body) {
    assert(serial_used_ < serial_.size());
    return wrap(&serial_[serial_used_++], std::move(body));
  }
  // A filter_mode::parallel filter, or a parallel_for body.
  template <class Body>
  auto parallel(Body body) const {
    return wrap(nullptr, std::move(body));
  }

 private:
  template <class T>
  static const void* token(const T& value) {
    if constexpr (std::is_pointer_v<T>) {
      return value;
    } else {
      return nullptr;
    }
  }
  void enter(const char* order, const void* taken) const {
    VIGIL_HAPPENS_AFTER(&launched_);
    if (order != nullptr) VIGIL_HAPPENS_AFTER(order);
    if (taken != nullptr) VIGIL_HAPPENS_AFTER(taken);
  }
  void leave(const char* order, const void* passed) const {
    if (passed != nullptr) VIGIL_HAPPENS_BEFORE(passed);
    if (order != nullptr) VIGIL_HAPPENS_BEFORE(order);
    VIGIL_HAPPENS_BEFORE(&finished_);
  }
  // A wrapped body. TBB copies it into its filter object inside parallel_pipeline, on the
  // launching thread but after launch(): each copy states the launch again once it is made, so
  // that a worker's first read of the copy (its captures) is ordered after the write.
  template <class Body>
  class Wrapped {
   public:
    Wrapped(const HandOffs* hand, const char* order, Body body)
        : hand_(hand), order_(order), body_(std::move(body)) {}
    Wrapped(const Wrapped& other) : hand_(other.hand_), order_(other.order_), body_(other.body_) {
      hand_->launch();
    }
    Wrapped(Wrapped&& other) noexcept
        : hand_(other.hand_), order_(other.order_), body_(std::move(other.body_)) {
      hand_->launch();
    }
    Wrapped& operator=(const Wrapped&) = delete;
    Wrapped& operator=(Wrapped&&) = delete;
    ~Wrapped() = default;

    template <class In>
    decltype(auto) operator()(In&& in) const {
      using Plain = std::remove_cvref_t<In>;
      hand_->enter(order_, token(static_cast<const Plain&>(in)));
      if constexpr (std::is_void_v<decltype(body_(std::forward<In>(in)))>) {
        body_(std::forward<In>(in));
        hand_->leave(order_, nullptr);
      } else {
        auto out = body_(std::forward<In>(in));
        hand_->leave(order_, token(out));
        return out;
      }
    }

   private:
    const HandOffs* hand_;
    const char* order_;
    Body body_;
  };

  template <class Body>
  auto wrap(const char* order, Body body) const {
    return Wrapped<Body>(this, order, std::move(body));
  }

  // Only their addresses are used: ThreadSanitizer's synchronisation objects.
  char launched_ = 0;
  char finished_ = 0;
  std::array<char, 4> serial_{};
  std::size_t serial_used_ = 0;
};

}  // namespace vigil::pipeline::detail
