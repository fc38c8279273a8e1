#include "commands.hpp"

namespace vigil::cli {

void register_ls(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("ls", "(being written)");
  sub->callback([&action] { action = [] { return fatal("ls: not implemented yet"); }; });
}

}  // namespace vigil::cli
