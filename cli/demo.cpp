// vigil demo: the embedded default. Builds the synthetic evidence set with testdata/build.sh
// (pictures drawn by vigil_testpix; no real material anywhere) and a synthetic known list naming
// three of its planted pictures, then verifies, lists and scans the E01 disk with the list and
// writes the report, running each step as the same vigil subcommand an examiner would type.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "commands.hpp"

namespace vigil::cli {
namespace {

struct DemoOptions {
  std::string out = "vigil-demo";
  std::string testdata_script = VIGIL_DEFAULT_TESTDATA_DIR "/build.sh";
  std::string tools_dir = VIGIL_DEFAULT_TOOLS_DIR;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

std::string self_path() {
  std::array<char, PATH_MAX> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string("vigil");
}

// Runs a shell command; returns its exit status (or -1 when it could not run).
int step(const std::string& what, const std::string& cmd) {
  std::cerr << "vigil demo: " << what << '\n';
  const int rc = std::system(cmd.c_str());
  if (rc == -1 || !WIFEXITED(rc)) return -1;
  return WEXITSTATUS(rc);
}

// The demo's own outputs from an earlier run are replaced (report and list folders are never
// overwritten by the commands themselves).
void rm_all(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

int run_demo(const DemoOptions& opt) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(opt.out, ec);
  if (ec) return fatal("cannot create " + opt.out + ": " + ec.message());
  const std::string out = fs::absolute(opt.out).string();
  const std::string evidence = out + "/evidence";
  const std::string vigil = self_path();
  const std::string env = "VIGIL_NTFS_EDIT=" + quote(opt.tools_dir + "/vigil_ntfs_edit") + " ";
  if (step("building the synthetic evidence images in " + evidence,
           env + quote(opt.testdata_script) + " " + quote(evidence) + " " +
               quote(opt.tools_dir + "/vigil_testpix") + " >" + quote(out + "/build.log") +
               " 2>&1") != 0)
    return fatal("building the synthetic evidence failed; see " + out + "/build.log");
  const std::string image = evidence + "/gpt.E01";
  if (step("verifying " + image, quote(vigil) + " verify --quiet " + quote(image) + " >" +
                                     quote(out + "/verify.txt")) != 0)
    return fatal("the demo image did not verify; see " + out + "/verify.txt");
  const int ls_rc = step("listing every volume and entry of " + image,
                         quote(vigil) + " ls " + quote(image) + " >" + quote(out + "/listing.txt"));
  if (ls_rc != 0 && ls_rc != kExitItemErrors) return fatal("vigil ls failed on the demo image");
  // The known list: the SHA-256 of three planted pictures, taken from the evidence's MANIFEST
  // (written by build.sh), in sha256sum format; plus one digest that names nothing.
  const std::string list = out + "/known-list.sha256";
  if (step("writing the synthetic known list " + list,
           "awk -F'\\t' '$1 == \"entry\" && $2 == \"ext4.raw\" && $3 == \"keep\" && "
           "$4 == \"jpeg\" {print $6 \"  demo-\" NR \".jpg\"}' " +
               quote(evidence + "/MANIFEST") + " | head -n 3 >" + quote(list) + " && echo " +
               std::string(64, '0') + "'  decoy.bin' >>" + quote(list)) != 0)
    return fatal("cannot write the demo's known list");
  rm_all(out + "/known-list");
  if (step("importing it as a hash set", quote(vigil) + " hashset import " + quote(list) +
                                             " --out " + quote(out + "/known-list") +
                                             " --name 'vigil demo list' --version 1 "
                                             "--publisher 'vigil demo (synthetic)' >/dev/null") !=
      0)
    return fatal("vigil hashset import failed on the demo list");
  const int scan_rc = step("scanning " + image + " into the case " + out + "/case",
                           quote(vigil) + " scan --case " + quote(out + "/case") + " --hashset " +
                               quote(out + "/known-list") + " " + quote(image));
  if (scan_rc != 0 && scan_rc != kExitItemErrors)
    return fatal("vigil scan failed on the demo image");
  rm_all(out + "/report");
  const int report_rc =
      step("writing the report to " + out + "/report",
           quote(vigil) + " report --quiet --case " + quote(out + "/case") + " --out " +
               quote(out + "/report") +
               " --case-number DEMO-0001 --exhibit DEMO-E01 --examiner 'vigil demo'");
  if (report_rc != 0) return fatal("vigil report failed on the demo case");
  std::cout << fmt::format(
      "demo done:\n  evidence  {}\n  verified  {}/verify.txt\n  listing   {}/listing.txt\n"
      "  case      {}/case/case.sqlite\n  report    {}/report/\n",
      image, out, out, out, out);
  return scan_rc;
}

}  // namespace

void register_demo(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand(
      "demo",
      "Build a synthetic evidence image and known list; verify, list, scan and report (the "
      "embedded default)");
  auto opt = std::make_shared<DemoOptions>();
  sub->add_option("--out", opt->out, "Output folder (default: ./vigil-demo)");
  sub->add_option("--testdata-script", opt->testdata_script,
                  "The script that builds the synthetic evidence (default: testdata/build.sh)");
  sub->add_option("--tools-dir", opt->tools_dir,
                  "Folder holding vigil_testpix and vigil_ntfs_edit (default: the build's)");
  sub->callback([opt, &action] { action = [opt] { return run_demo(*opt); }; });
}

}  // namespace vigil::cli
