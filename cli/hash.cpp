// vigil hash PATH...: exact digests and perceptual hashes of loose files and folders. The options
// are parsed here; the command runs in the media module (lib/pipeline/src/hash_command.cpp),
// which holds everything that needs OpenCV.
#include <memory>

#include "commands.hpp"
#include "vigil/pipeline/media_module.hpp"

namespace vigil::cli {

void register_hash(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand(
      "hash", "Exact digests and perceptual hashes (PDQ, pHash) of loose files and folders");
  auto opt = std::make_shared<pipeline::HashCommand>();
  sub->add_option("PATH", opt->paths, "Files or folders (folders are walked recursively)")
      ->required();
  sub->add_flag("--json", opt->json, "JSON Lines, one object per file");
  sub->add_flag("--pdq-csv", opt->pdq_csv,
                "Only pictures, as the PDQ reference tool prints them: hash,quality,path");
  sub->add_option("--pdq-pipeline", opt->pipeline,
                  "canonical (full resolution, pdq-fullres) or cli512 (the reference tool's "
                  "512x512 pre-resize, pdq-cli512)")
      ->capture_default_str();
  sub->add_flag("--dihedral", opt->dihedral,
                "Also print the PDQ hashes of the eight rotations and mirrors");
  sub->add_flag("--fast-triage", opt->fast_triage,
                "Decode JPEGs at reduced scale: faster, hashes labelled pdq-fast-triage, never "
                "canonical");
  sub->add_option("-j,--threads", opt->threads,
                  "Files hashed at once (default 0: every core); the output order never changes")
      ->capture_default_str();
  sub->add_option("--max-pixels", opt->max_pixels,
                  "Refuse to decode pictures whose header declares more pixels")
      ->capture_default_str()
      ->check(decimal_at_most(kMaxPixelsAccepted));
  sub->add_flag("--accept-truncated", opt->accept_truncated,
                "Hash JPEGs cut short (no end marker; the missing part decodes grey) instead of "
                "reporting an error; they are flagged truncated");
  sub->callback([opt, &action] {
    action = [opt] {
      auto media = pipeline::load_media_module();
      if (!media) return fatal(media.error().message);
      return (*media)->run_hash(*opt);
    };
  });
}

}  // namespace vigil::cli
