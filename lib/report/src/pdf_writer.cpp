// report.pdf through cairo's PDF surface and pango (HarfBuzz shaping, bidi for right-to-left
// names, fontconfig fallback for CJK); cairo embeds the font subsets it uses. Pagination is
// ours (no Debian library lays out paged documents from a block list): the document is laid
// out twice on identical surfaces, the first time only to count the pages, so the second can
// print "page x of y". The creation date is pinned to the report time, so a re-run is
// byte-identical.
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "document.hpp"
#include "vigil/report/writers.hpp"

namespace vigil::report {
namespace {

constexpr double kPageW = 595.276, kPageH = 841.89;  // A4 in points
constexpr double kMargin = 48, kTop = 70, kBottom = 60;
constexpr double kContentW = kPageW - 2 * kMargin;
constexpr const char* kSans = "DejaVu Sans, WenQuanYi Micro Hei";
constexpr const char* kMono = "DejaVu Sans Mono, WenQuanYi Micro Hei Mono";

cairo_status_t discard(void*, const unsigned char*, unsigned int) { return CAIRO_STATUS_SUCCESS; }

cairo_status_t to_file(void* closure, const unsigned char* data, unsigned int len) {
  auto* f = static_cast<AtomicFile*>(closure);
  f->write(std::string_view(reinterpret_cast<const char*>(data), len));
  return CAIRO_STATUS_SUCCESS;
}

struct FontDesc {
  explicit FontDesc(const char* family, double size, bool bold = false)
      : d(pango_font_description_new()) {
    pango_font_description_set_family(d, family);
    pango_font_description_set_absolute_size(d, size * PANGO_SCALE);
    if (bold) pango_font_description_set_weight(d, PANGO_WEIGHT_BOLD);
  }
  ~FontDesc() { pango_font_description_free(d); }
  FontDesc(const FontDesc&) = delete;
  FontDesc& operator=(const FontDesc&) = delete;
  PangoFontDescription* d;
};

class Renderer {
 public:
  Renderer(cairo_surface_t* surface, const Document& doc, int total_pages)
      : cr_(cairo_create(surface)), doc_(doc), total_(total_pages) {
    // Fixed font options: no hinting, so layout does not depend on the surface or the screen.
    cairo_font_options_t* fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(ctx(), fo);
    cairo_font_options_destroy(fo);
  }
  ~Renderer() {
    if (ctx_) g_object_unref(ctx_);
    cairo_destroy(cr_);
  }
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  int render() {
    start_page();
    for (const auto& b : doc_.blocks) block(b);
    finish_page();
    return page_;
  }

 private:
  PangoContext* ctx() {
    if (ctx_ == nullptr) ctx_ = pango_cairo_create_context(cr_);
    return ctx_;
  }

  PangoLayout* layout(const std::string& text, const FontDesc& font, double width,
                      bool wrap_chars = false) {
    PangoLayout* l = pango_layout_new(ctx());
    pango_layout_set_font_description(l, font.d);
    pango_layout_set_width(l, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(l, wrap_chars ? PANGO_WRAP_CHAR : PANGO_WRAP_WORD_CHAR);
    pango_layout_set_auto_dir(l, TRUE);
    // Never insert hyphens at line breaks: a hyphen inside a hex digest would change what the
    // reader copies.
    PangoAttrList* attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE));
    pango_layout_set_attributes(l, attrs);
    pango_attr_list_unref(attrs);
    pango_layout_set_text(l, text.data(), static_cast<int>(text.size()));
    return l;
  }
  static double height(PangoLayout* l) {
    int w = 0, h = 0;
    pango_layout_get_size(l, &w, &h);
    return static_cast<double>(h) / PANGO_SCALE;
  }
  void draw(PangoLayout* l, double x, double y) {
    if (total_ == 0) return;  // the counting pass only measures (same surface, same metrics)
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, l);
  }

  void start_page() {
    ++page_;
    y_ = kTop;
    double hy = 22;
    cairo_set_source_rgb(cr_, 0.2, 0.2, 0.2);
    PangoLayout* h = layout(doc_.running_header, small_, kContentW);
    draw(h, kMargin, hy);
    hy += height(h) + 2;
    g_object_unref(h);
    for (const auto& b : doc_.banners) {
      PangoLayout* l = layout(b, banner_, kContentW - 8);
      pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
      const double lh = height(l);
      cairo_set_source_rgb(cr_, 0.8, 0, 0);
      cairo_rectangle(cr_, kMargin, hy, kContentW, lh + 4);
      cairo_fill(cr_);
      cairo_set_source_rgb(cr_, 1, 1, 1);
      draw(l, kMargin + 4, hy + 2);
      g_object_unref(l);
      hy += lh + 6;
    }
    y_ = std::max(y_, hy + 8);
    cairo_set_source_rgb(cr_, 0, 0, 0);
  }

  void finish_page() {
    cairo_set_source_rgb(cr_, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr_, 0.5);
    cairo_move_to(cr_, kMargin, kPageH - kBottom + 14);
    cairo_line_to(cr_, kPageW - kMargin, kPageH - kBottom + 14);
    cairo_stroke(cr_);
    std::string left = "Report " + doc_.report_id;
    if (!doc_.source_verified) left += " · SOURCE NOT VERIFIED";
    PangoLayout* l = layout(left, small_, kContentW * 0.7);
    draw(l, kMargin, kPageH - kBottom + 18);
    g_object_unref(l);
    const std::string right =
        "page " + std::to_string(page_) + " of " + (total_ > 0 ? std::to_string(total_) : "?");
    PangoLayout* r = layout(right, small_, kContentW * 0.3);
    pango_layout_set_alignment(r, PANGO_ALIGN_RIGHT);
    draw(r, kMargin + kContentW * 0.7, kPageH - kBottom + 18);
    g_object_unref(r);
    cairo_show_page(cr_);
    cairo_set_source_rgb(cr_, 0, 0, 0);
  }

  // Starts a new page when h more points do not fit (a block taller than a page is split by the
  // caller row by row).
  void need(double h) {
    if (y_ + h > kPageH - kBottom && y_ > kTop + 40) {
      finish_page();
      start_page();
    }
  }

  void text_block(const std::string& text, const FontDesc& font, double space_before,
                  double space_after, bool keep_with_next = false) {
    PangoLayout* l = layout(text, font, kContentW);
    const double h = height(l);
    need(space_before + h + (keep_with_next ? 40 : 0));
    y_ += space_before;
    draw(l, kMargin, y_);
    y_ += h + space_after;
    g_object_unref(l);
  }

  // A table row: cells laid out at their widths; the row moves to a new page whole.
  void row(const std::vector<std::string>& cells, const std::vector<double>& widths,
           const FontDesc& font, bool shaded, bool wrap_chars) {
    std::vector<PangoLayout*> ls;
    double h = 0;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      ls.push_back(layout(cells[i], font, widths[i] - 6, wrap_chars));
      h = std::max(h, height(ls.back()));
    }
    h += 4;
    need(h);
    double x = kMargin;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (shaded) {
        cairo_set_source_rgb(cr_, 0.92, 0.92, 0.92);
        cairo_rectangle(cr_, x, y_, widths[i], h);
        cairo_fill(cr_);
      }
      cairo_set_source_rgb(cr_, 0.6, 0.6, 0.6);
      cairo_set_line_width(cr_, 0.4);
      cairo_rectangle(cr_, x, y_, widths[i], h);
      cairo_stroke(cr_);
      cairo_set_source_rgb(cr_, 0, 0, 0);
      draw(ls[i], x + 3, y_ + 2);
      x += widths[i];
      g_object_unref(ls[i]);
    }
    y_ += h;
  }

  void block(const Block& b) {
    switch (b.kind) {
      case Block::Kind::kTitle:
        text_block(b.text, title_, 10, 12);
        break;
      case Block::Kind::kHeading:
        text_block(b.text, heading_, 14, 6, true);
        break;
      case Block::Kind::kSubheading:
        text_block(b.text, subheading_, 8, 4, true);
        break;
      case Block::Kind::kParagraph:
        text_block(b.text, b.monospace ? mono_ : body_, 2, 4);
        break;
      case Block::Kind::kAlert: {
        PangoLayout* l = layout(b.text, alert_, kContentW - 10);
        const double h = height(l) + 8;
        need(h + 4);
        cairo_set_source_rgb(cr_, 0.8, 0, 0);
        cairo_set_line_width(cr_, 1.5);
        cairo_rectangle(cr_, kMargin, y_ + 2, kContentW, h);
        cairo_stroke(cr_);
        cairo_set_source_rgb(cr_, 0.6, 0, 0);
        draw(l, kMargin + 5, y_ + 6);
        cairo_set_source_rgb(cr_, 0, 0, 0);
        g_object_unref(l);
        y_ += h + 8;
        break;
      }
      case Block::Kind::kKeyValue: {
        const std::vector<double> w{kContentW * 0.3, kContentW * 0.7};
        for (const auto& [k, v] : b.pairs)
          row({k, v}, w, b.monospace ? mono_ : body_, false, b.monospace);
        y_ += 6;
        break;
      }
      case Block::Kind::kTable: {
        if (b.rows.empty()) break;
        double total = 0;
        for (double x : b.widths) total += x;
        std::vector<double> w;
        for (double x : b.widths) w.push_back(kContentW * x / total);
        const auto& font = b.monospace ? mono_small_ : small_;
        need(60);
        row(b.columns, w, small_bold_, true, false);
        for (const auto& r : b.rows) {
          row(r, w, font, false, true);
        }
        y_ += 6;
        break;
      }
      case Block::Kind::kBox: {
        const double h = 14 + b.box_lines * 14.0;
        need(h + 8);
        cairo_set_line_width(cr_, 0.8);
        cairo_rectangle(cr_, kMargin, y_ + 2, kContentW, h);
        cairo_stroke(cr_);
        PangoLayout* l = layout(b.text, small_, kContentW - 8);
        cairo_set_source_rgb(cr_, 0.35, 0.35, 0.35);
        draw(l, kMargin + 4, y_ + 4);
        cairo_set_source_rgb(cr_, 0, 0, 0);
        g_object_unref(l);
        y_ += h + 10;
        break;
      }
      case Block::Kind::kPageBreak:
        finish_page();
        start_page();
        break;
      case Block::Kind::kImage:
        image(b);
        break;
    }
  }

  // A thumbnail at most 120 pt on its longer side, with its caption below.
  void image(const Block& b) {
    struct Reader {
      const std::string* png;
      std::size_t pos = 0;
    } rd{&b.image};
    cairo_surface_t* img = cairo_image_surface_create_from_png_stream(
        [](void* closure, unsigned char* data, unsigned int length) {
          auto* r = static_cast<Reader*>(closure);
          if (r->png->size() - r->pos < length) return CAIRO_STATUS_READ_ERROR;
          std::memcpy(data, r->png->data() + r->pos, length);
          r->pos += length;
          return CAIRO_STATUS_SUCCESS;
        },
        &rd);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
      cairo_surface_destroy(img);
      text_block("[thumbnail could not be drawn] " + b.text, small_, 2, 4);
      return;
    }
    const double w = cairo_image_surface_get_width(img);
    const double h = cairo_image_surface_get_height(img);
    const double scale = 120.0 / std::max(w, h);
    need(h * scale + 24);
    cairo_save(cr_);
    cairo_translate(cr_, kMargin, y_ + 2);
    cairo_scale(cr_, scale, scale);
    cairo_set_source_surface(cr_, img, 0, 0);
    cairo_paint(cr_);
    cairo_restore(cr_);
    cairo_surface_destroy(img);
    y_ += h * scale + 4;
    text_block(b.text, small_, 0, 6);
  }

  cairo_t* cr_;
  PangoContext* ctx_ = nullptr;
  const Document& doc_;
  int total_ = 0;
  int page_ = 0;
  double y_ = kTop;
  FontDesc title_{kSans, 20, true}, heading_{kSans, 14, true}, subheading_{kSans, 11, true};
  FontDesc body_{kSans, 9}, small_{kSans, 7.5}, small_bold_{kSans, 7.5, true};
  FontDesc mono_{kMono, 8}, mono_small_{kMono, 7}, alert_{kSans, 9.5, true};
  FontDesc banner_{kSans, 10, true};
};

void set_metadata(cairo_surface_t* s, const ReportData& data) {
  // PDF dates must be fixed for reproducibility; cairo takes ISO 8601.
  std::string date = data.meta.report_time;
  if (const auto dot = date.find('.'); dot != std::string::npos) date = date.substr(0, dot) + "Z";
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, date.c_str());
  const std::string title = "Media triage report " + data.meta.report_id;
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "vigil report");
  cairo_pdf_surface_restrict_to_version(s, CAIRO_PDF_VERSION_1_5);
}

}  // namespace

Result<void> write_pdf(const std::string& dir, const ReportData& data,
                       const MachineManifest& machine) {
  const Document doc = build_document(data, machine);
  int pages = 0;
  {
    cairo_surface_t* s = cairo_pdf_surface_create_for_stream(discard, nullptr, kPageW, kPageH);
    set_metadata(s, data);
    pages = Renderer(s, doc, 0).render();
    cairo_surface_finish(s);
    cairo_surface_destroy(s);
  }
  auto f = AtomicFile::create(dir, "report.pdf");
  if (!f) return f.error();
  cairo_surface_t* s = cairo_pdf_surface_create_for_stream(to_file, f->get(), kPageW, kPageH);
  set_metadata(s, data);
  const int drawn = Renderer(s, doc, pages).render();
  cairo_surface_finish(s);
  const cairo_status_t st = cairo_surface_status(s);
  cairo_surface_destroy(s);
  if (st != CAIRO_STATUS_SUCCESS)
    return make_error(ErrorCode::kIo,
                      std::string("cairo could not write the PDF: ") + cairo_status_to_string(st));
  if (drawn != pages)
    return make_error(ErrorCode::kInternal, "PDF pagination differed between passes");
  return (*f)->commit();
}

}  // namespace vigil::report
