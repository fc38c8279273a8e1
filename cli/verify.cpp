#include "commands.hpp"

namespace vigil::cli {

void register_verify(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("verify", "(being written)");
  sub->callback([&action] { action = [] { return fatal("verify: not implemented yet"); }; });
}

}  // namespace vigil::cli
