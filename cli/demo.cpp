#include "commands.hpp"

namespace vigil::cli {

void register_demo(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("demo", "(being written)");
  sub->callback([&action] { action = [] { return fatal("demo: not implemented yet"); }; });
}

}  // namespace vigil::cli
