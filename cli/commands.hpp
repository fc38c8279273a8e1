// The explicit list of vigil's subcommands. Each lives in cli/<name>.cpp, adds itself to the
// application and, when chosen on the command line, sets the action that main() runs.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vigil::cli {

// Exit statuses (docs/ARCHITECTURE.md): 0 done and clean; 1 done with item-level errors; 2 fatal.
inline constexpr int kExitOk = 0;
inline constexpr int kExitItemErrors = 1;
inline constexpr int kExitFatal = 2;

using Action = std::function<int()>;

void register_ls(CLI::App& app, Action& action);
void register_verify(CLI::App& app, Action& action);
void register_demo(CLI::App& app, Action& action);
void register_hash(CLI::App& app, Action& action);
void register_hashset(CLI::App& app, Action& action);
void register_scan(CLI::App& app, Action& action);
void register_report(CLI::App& app, Action& action);
void register_list(CLI::App& app, Action& action);
void register_plan(CLI::App& app, Action& action);   // cli/plan.cpp
void register_merge(CLI::App& app, Action& action);  // cli/merge.cpp

// The full command line as given (for the run record and the re-run command), with the password
// of a --store URI replaced by ***.
const std::vector<std::string>& command_line();

// For unsigned count options: decimal digits only, at most `max`. CLI11 reads "-1" or a number
// past 2^64 into an unsigned option as a wrapped or saturated value, so such text is refused
// before it is converted.
inline CLI::Validator decimal_at_most(std::uint64_t max) {
  return CLI::Validator(
      [max](std::string& s) -> std::string {
        if (s.empty()) return "expected a whole number";
        std::uint64_t v = 0;
        for (const char c : s) {
          if (c < '0' || c > '9') return "'" + s + "' is not a whole number (digits only)";
          const auto digit = static_cast<std::uint64_t>(c - '0');
          if (v > (max - digit) / 10)
            return "'" + s + "' is too large (at most " + std::to_string(max) + ")";
          v = v * 10 + digit;
        }
        return {};
      },
      "0.." + std::to_string(max));
}

// The largest --max-pixels: at 3 bytes a pixel, 10^12 pixels is 3 TB; a larger value can only be
// a typing error (and would overflow the byte counts derived from it).
inline constexpr std::uint64_t kMaxPixelsAccepted = 1'000'000'000'000ULL;

// Prints "vigil: <message>" on stderr and returns kExitFatal: the one clear message for a fatal
// problem.
int fatal(const std::string& message);

}  // namespace vigil::cli
