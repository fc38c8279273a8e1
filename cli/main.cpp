#include <clocale>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "vigil/case/pg_store.hpp"
#include "vigil/version.hpp"

namespace vigil::cli {

namespace {
std::vector<std::string> g_command_line;
}  // namespace

const std::vector<std::string>& command_line() { return g_command_line; }

int fatal(const std::string& message) {
  std::cerr << "vigil: " << message << '\n';
  return kExitFatal;
}

}  // namespace vigil::cli

int main(int argc, char** argv) {
  // Every time vigil prints is UTC; libraries that call localtime/mktime (TSK for FAT) must agree.
  setenv("TZ", "UTC", 1);
  std::setlocale(LC_ALL, "C");
  vigil::cli::g_command_line.assign(argv, argv + argc);
  // A --store URI's password never reaches the run record, the audit log or a report.
  for (auto& a : vigil::cli::g_command_line) {
    const auto eq = a.rfind("--store=", 0) == 0 ? std::string::size_type{8} : 0;
    if (vigil::case_store::pg::is_uri(a.substr(eq)))
      a = a.substr(0, eq) + vigil::case_store::pg::redacted(a.substr(eq));
  }

  CLI::App app{"vigil: forensic media triage (find, hash and match pictures and videos)"};
  app.set_version_flag("--version",
                       std::string("vigil ") + vigil::kVersion + " (" + vigil::kGitCommit + ")");
  app.require_subcommand(1);
  vigil::cli::Action action;
  vigil::cli::register_ls(app, action);
  vigil::cli::register_verify(app, action);
  vigil::cli::register_scan(app, action);
  vigil::cli::register_demo(app, action);
  vigil::cli::register_hash(app, action);
  vigil::cli::register_hashset(app, action);
  vigil::cli::register_report(app, action);
  vigil::cli::register_list(app, action);
  vigil::cli::register_plan(app, action);
  vigil::cli::register_merge(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return vigil::cli::kExitFatal;
  }
  try {
    return action ? action() : vigil::cli::kExitFatal;
  } catch (const std::exception& e) {
    return vigil::cli::fatal(std::string("internal error: ") + e.what());
  }
}
