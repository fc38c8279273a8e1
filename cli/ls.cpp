// vigil ls EVIDENCE: volumes and every entry (allocated, deleted, orphan, NTFS ADS), as a table
// or JSON Lines.
#include <fmt/format.h>

#include <charconv>
#include <iostream>
#include <string_view>

#include "commands.hpp"
#include "output.hpp"
#include "vigil/core/text.hpp"
#include "vigil/evidence/evidence.hpp"

namespace vigil::cli {
namespace {

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Right-aligns (width > 0) or left-aligns (width < 0) text in a column.
void append_column(std::string& out, std::string_view text, int width) {
  const auto w = static_cast<std::size_t>(width < 0 ? -width : width);
  const std::size_t pad = text.size() < w ? w - text.size() : 0;
  if (width > 0) out.append(pad, ' ');
  out += text;
  if (width < 0) out.append(pad, ' ');
}

void append_time(std::string& out, std::string_view key, const std::optional<Timestamp>& t) {
  if (!t) return;
  out += ",\"";
  out += key;
  out += "\":{\"utc\":\"";
  append_utc(out, *t);
  out += "\",\"precision\":\"";
  out += precision_label(t->precision_ns);
  out += "\"}";
}

void json_evidence(std::string& o, const evidence::EvidenceInfo& info) {
  o += "{\"type\":\"evidence\",";
  append_json_text_field(o, "path", info.path);
  o += ',';
  append_json_text_field(o, "name", info.name);
  o += fmt::format(",\"format\":\"{}\",\"size\":{},\"sector_size\":{},\"segments\":[",
                   evidence::image_format_name(info.format), info.size, info.sector_size);
  for (std::size_t i = 0; i < info.segments.size(); ++i) {
    if (i) o += ',';
    append_json_string(o, lossy_utf8(info.segments[i]));
  }
  o += "]}\n";
}

void json_volume(std::string& o, const evidence::Volume& v) {
  o += fmt::format(
      "{{\"type\":\"volume\",\"index\":{},\"scheme\":\"{}\",\"offset\":{},\"length\":{},"
      "\"kind\":\"{}\",\"fs_type\":\"{}\",",
      v.index, v.scheme, v.offset, v.length, evidence::volume_kind_name(v.kind), v.fs_type);
  append_json_text_field(o, "description", v.description);
  o += ',';
  append_json_text_field(o, "provenance", v.provenance.str());
  o += "}\n";
}

// Listings are written for millions of entries: lines are built by hand, not by a formatter.
void json_entry(std::string& o, const evidence::Entry& e) {
  auto flag = [&o](std::string_view key, bool v) {
    o += ",\"";
    o += key;
    o += v ? "\":true" : "\":false";
  };
  o += "{\"type\":\"entry\",\"volume\":";
  append_uint(o, static_cast<std::uint64_t>(e.volume));
  o += ',';
  append_json_text_field(o, "path", e.path);
  o += ',';
  append_json_text_field(o, "name", e.name);
  o += ",\"inode\":";
  append_uint(o, e.inode);
  o += ",\"inode_str\":\"";
  o += e.inode_str;
  o += "\",\"size\":";
  append_uint(o, e.size);
  o += ",\"name_type\":\"";
  o += e.name_type;
  o += "\",\"meta_type\":\"";
  o += e.meta_type;
  o += '"';
  flag("deleted", e.deleted);
  flag("meta_allocated", e.meta_allocated);
  flag("orphan", e.orphan);
  flag("ads", e.ads);
  append_time(o, "modified", e.times.modified);
  append_time(o, "accessed", e.times.accessed);
  append_time(o, "changed", e.times.changed);
  append_time(o, "born", e.times.born);
  o += ',';
  append_json_text_field(o, "provenance", e.provenance.str());
  o += "}\n";
}

void json_warning(std::string& o, const evidence::Warning& w) {
  o += "{\"type\":\"warning\",";
  append_json_text_field(o, "message", w.message);
  o += ',';
  append_json_text_field(o, "provenance", w.provenance.str());
  o += "}\n";
}

void table_entry(std::string& o, const evidence::Entry& e) {
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, e.volume);
  append_column(o, std::string_view(num, static_cast<std::size_t>(r.ptr - num)), 3);
  o += "  ";
  o += e.name_type;
  o += '/';
  o += e.meta_type;
  o += "  ";
  o += e.deleted ? 'D' : '-';
  o += e.orphan ? 'O' : '-';
  o += e.ads ? 'S' : '-';
  o += "  ";
  append_column(o, e.inode_str, -14);
  o += ' ';
  r = std::to_chars(num, num + sizeof num, e.size);
  append_column(o, std::string_view(num, static_cast<std::size_t>(r.ptr - num)), 12);
  o += "  ";
  const std::size_t at = o.size();
  if (e.times.modified) {
    append_utc(o, *e.times.modified);
  } else {
    o += '-';
  }
  const std::size_t used = o.size() - at;
  if (used < 24) o.append(24 - used, ' ');
  o += "  ";
  append_printable(o, e.path);
  o += '\n';
}

int run_ls(const std::string& path, bool json) {
  auto opened = evidence::open_evidence(path);
  if (!opened) return fatal(opened.error().describe());
  auto& ev = **opened;
  Output out(stdout);
  auto& o = out.buffer();
  std::size_t warnings = 0;
  auto warn = [&](const evidence::Warning& w) {
    ++warnings;
    if (json) {
      json_warning(o, w);
      out.line_done();
    } else {
      out.flush();
      std::cerr << "vigil: warning: " << printable(w.message) << " [at "
                << printable(w.provenance.str()) << "]\n";
    }
  };
  const auto& info = ev.info();
  if (json) {
    json_evidence(o, info);
  } else {
    o += fmt::format("evidence {} ({}, {} segment{}, {} bytes)\n", printable(info.path),
                     evidence::image_format_name(info.format), info.segments.size(),
                     info.segments.size() == 1 ? "" : "s", info.size);
    o += "vol  scheme     offset          length          kind         fs      description\n";
  }
  for (const auto& v : ev.volumes()) {
    if (json) {
      json_volume(o, v);
    } else {
      o += fmt::format("{:>3}  {:<9}  {:>14}  {:>14}  {:<11}  {:<6}  {}\n", v.index, v.scheme,
                       v.offset, v.length, evidence::volume_kind_name(v.kind), v.fs_type,
                       printable(v.description));
    }
  }
  for (const auto& w : ev.open_warnings()) warn(w);
  if (!json)
    o += "\nvol  type  flags  inode          size          modified (UTC)            path\n";
  out.line_done();
  for (const auto& v : ev.volumes()) {
    if (v.kind != evidence::VolumeKind::kFileSystem) continue;
    auto r = ev.walk(
        v.index,
        [&](const evidence::Entry& e) {
          if (json) {
            json_entry(o, e);
          } else {
            table_entry(o, e);
          }
          out.line_done();
          return true;
        },
        warn);
    if (!r) warn(evidence::Warning{r.error().message, v.provenance});
  }
  out.flush();
  return warnings > 0 ? kExitItemErrors : kExitOk;
}

}  // namespace

void register_ls(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand(
      "ls", "List volumes and every file entry (allocated, deleted, orphan, NTFS ADS)");
  struct Options {
    std::string evidence;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  sub->add_option("EVIDENCE", opt->evidence,
                  "Evidence: raw, split raw (first segment), E01, AFF, VMDK, VHD or a folder")
      ->required();
  sub->add_flag("--json", opt->json, "JSON Lines output (non-UTF-8 names kept as base64)");
  sub->callback([opt, &action] { action = [opt] { return run_ls(opt->evidence, opt->json); }; });
}

}  // namespace vigil::cli
