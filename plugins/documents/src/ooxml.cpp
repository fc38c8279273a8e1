// OOXML packages (ECMA-376 Part 2, Open Packaging Conventions): a ZIP whose parts include
// word/media/*, xl/media/*, ppt/media/* (pictures, ECMA-376 Part 1 §15.2.14 image part),
// */embeddings/* (embedded objects, often further documents) and docProps/thumbnail.*
// (the package thumbnail, Part 2 §10.1.2.2). Only these parts are emitted: the rest of the
// package is XML that holds no picture, and the archive extractor leaves OOXML alone.
#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>
#include <string_view>

#include "formats.hpp"

namespace vigil::plugins::documents {
namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

bool is_picture_part(std::string_view path) {
  // Part names are case-insensitive ASCII (ECMA-376 Part 2 §9.1.1.1.2); compare lower case.
  std::string lower(path);
  for (auto& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (lower.starts_with("docprops/thumbnail.")) return true;
  if (!lower.ends_with("/") && (lower.find("/media/") != std::string::npos ||
                                lower.find("/embeddings/") != std::string::npos))
    return true;
  return false;
}

std::string error_text(archive* a) {
  const char* s = archive_error_string(a);
  return s != nullptr ? s : "unknown libarchive error";
}

std::string base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

void extract_ooxml(const extract::ItemInput& item, extract::Emitter& out, std::stop_token stop) {
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  if (!a) throw std::bad_alloc();
  archive_read_support_format_zip(a.get());
  if (archive_read_open_memory(a.get(), item.bytes.data(), item.bytes.size()) != ARCHIVE_OK) {
    out.warn("corrupt", "OOXML package: ZIP not readable: " + error_text(a.get()));
    return;
  }
  std::vector<std::uint8_t> buffer(64 * 1024);
  while (!stop.stop_requested()) {
    archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) return;
    if (rc == ARCHIVE_FATAL || rc == ARCHIVE_RETRY) {
      out.warn("corrupt", "OOXML package: ZIP directory damaged: " + error_text(a.get()));
      return;
    }
    if (rc == ARCHIVE_WARN)
      out.warn("corrupt", "OOXML package: ZIP header warning: " + error_text(a.get()));
    const char* raw_path = archive_entry_pathname(entry);
    const std::string path = raw_path != nullptr ? raw_path : "";
    if (archive_entry_filetype(entry) != AE_IFREG || !is_picture_part(path)) continue;

    extract::Child child;
    child.layer = "ooxml";
    child.locator = path;
    child.name = base_name(path);
    if (archive_entry_size_is_set(entry) != 0 && archive_entry_size(entry) > 0)
      child.declared_size = static_cast<std::uint64_t>(archive_entry_size(entry));
    // No times: a part's ZIP time is an MS-DOS date and time without a zone (APPNOTE.TXT
    // 4.4.6), which libarchive turns into seconds with the examiner's own time zone, and
    // Microsoft Office writes 1980-01-01 00:00 for every part. Recording it would not be true.
    if (archive_entry_is_encrypted(entry) != 0) {
      child.status = extract::ChildStatus::kEncrypted;
      out.warn("encrypted", "OOXML part " + path + " is encrypted");
      if (!out.child(std::move(child))) return;
      continue;
    }
    const std::uint64_t budget = out.child_byte_budget();
    bool failed = false;
    bool fatal = false;
    bool over_budget = false;
    while (true) {
      const la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) {
        failed = true;
        fatal = n == ARCHIVE_FATAL;
        out.warn("truncated", "OOXML part " + path + ": " + error_text(a.get()));
        break;
      }
      const auto take = static_cast<std::size_t>(n);
      if (child.bytes.size() + take > budget) {
        child.bytes.insert(
            child.bytes.end(), buffer.begin(),
            buffer.begin() + static_cast<std::ptrdiff_t>(budget - child.bytes.size()));
        over_budget = true;
        out.warn("limit", "OOXML part " + path + " exceeds the child byte budget of " +
                              std::to_string(budget) + " bytes");
        break;
      }
      child.bytes.insert(child.bytes.end(), buffer.begin(),
                         buffer.begin() + static_cast<std::ptrdiff_t>(take));
    }
    if (failed || over_budget) child.status = extract::ChildStatus::kPartial;
    if (!out.child(std::move(child))) return;
    if (fatal) return;  // libarchive refuses every later call; its message is already a warning
  }
}

}  // namespace vigil::plugins::documents
