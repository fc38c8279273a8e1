// The explicit list of vigil's subcommands. Each lives in cli/<name>.cpp, adds itself to the
// application and, when chosen on the command line, sets the action that main() runs.
#pragma once

#include <CLI/CLI.hpp>

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

// The full command line as given (for the run record and the re-run command).
const std::vector<std::string>& command_line();

// Prints "vigil: <message>" on stderr and returns kExitFatal: the one clear message for a fatal
// problem.
int fatal(const std::string& message);

}  // namespace vigil::cli
