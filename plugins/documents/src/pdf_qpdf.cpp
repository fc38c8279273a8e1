// PDF (ISO 32000-1:2008, PDF 1.7) read through libqpdf: every image XObject (§8.9.5, a stream
// whose /Subtype is /Image) whose last filter is /DCTDecode (§7.4.8: the data is a JPEG file)
// or /JPXDecode (§7.4.9: a JPEG 2000 file) is emitted as it is, after undoing any lossless
// filters in front of it. Other images are raw samples, not files: they are counted.
#include <qpdf/Buffer.hh>
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFLogger.hh>
#include <qpdf/QPDFObjectHandle.hh>

#include <mutex>
#include <string>
#include <utility>

#include "pdf_qpdf.hpp"

namespace vigil::plugins::documents {
namespace {

// Warnings kept per file: qpdf can report thousands on a badly damaged file; the rest are
// counted in one `limit` warning.
constexpr std::size_t kMaxWarnings = 100;

struct OverBudget {};

// Collects decoded bytes and aborts the decode once the child byte budget is passed, so a
// Flate bomb in front of a DCT image never reaches memory.
class BoundedSink final : public Pipeline {
 public:
  BoundedSink(std::vector<std::uint8_t>& bytes, std::uint64_t budget)
      : Pipeline("vigil bounded sink", nullptr), bytes_(bytes), budget_(budget) {}
  void write(unsigned char const* data, size_t len) override {
    if (bytes_.size() + len > budget_) {
      over_ = true;
      throw OverBudget{};
    }
    bytes_.insert(bytes_.end(), data, data + len);
  }
  void finish() override {}
  [[nodiscard]] bool over() const { return over_; }

 private:
  std::vector<std::uint8_t>& bytes_;
  std::uint64_t budget_;
  bool over_ = false;
};

std::vector<QPDFObjectHandle> as_list(QPDFObjectHandle h) {
  if (h.isArray()) return h.getArrayAsVector();
  if (h.isNull()) return {};
  return {h};
}

std::string object_locator(QPDFObjectHandle& h) {
  std::string s = "object ";
  s += std::to_string(h.getObjectID());
  if (h.getGeneration() != 0) {
    s += ' ';
    s += std::to_string(h.getGeneration());
  }
  return s;
}

}  // namespace

PdfCounts scan_pdf_images(const std::uint8_t* data, std::size_t size, const PdfCallbacks& cb) {
  // Every QPDF object takes qpdf's process-wide default logger, which qpdf 11.3 creates on first
  // use; ThreadSanitizer saw two workers race there. Create it once, before any worker uses it.
  static std::once_flag logger_once;
  std::call_once(logger_once, [] { (void)QPDFLogger::defaultLogger(); });
  QPDF pdf;
  pdf.setSuppressWarnings(true);
  std::size_t warnings_seen = 0;
  auto flush_warnings = [&] {
    for (const auto& w : pdf.getWarnings()) {
      if (++warnings_seen <= kMaxWarnings) cb.warn("corrupt", std::string("PDF: ") + w.what());
    }
  };
  try {
    pdf.processMemoryFile("item", reinterpret_cast<const char*>(data), size);
  } catch (const QPDFExc& e) {
    flush_warnings();
    if (e.getErrorCode() == qpdf_e_password) {
      cb.warn("encrypted", "PDF needs a password; its images cannot be read");
    } else {
      cb.warn("corrupt", std::string("PDF not readable: ") + e.what());
    }
    return {};
  } catch (const std::exception& e) {
    flush_warnings();
    cb.warn("corrupt", std::string("PDF not readable: ") + e.what());
    return {};
  }

  PdfCounts counts;
  counts.opened = true;
  counts.complete = true;
  std::vector<QPDFObjectHandle> objects;
  try {
    objects = pdf.getAllObjects();
  } catch (const std::exception& e) {
    cb.warn("corrupt", std::string("PDF objects not readable: ") + e.what());
  }
  flush_warnings();

  for (auto& obj : objects) {
    if (cb.stopped()) {
      counts.complete = false;
      break;
    }
    try {
      if (!obj.isStream()) continue;
      auto dict = obj.getDict();
      if (!dict.getKey("/Subtype").isNameAndEquals("/Image")) continue;
      ++counts.image_streams;
      auto filters = as_list(dict.getKey("/Filter"));
      const std::string last =
          filters.empty() || !filters.back().isName() ? std::string() : filters.back().getName();
      if (last != "/DCTDecode" && last != "/JPXDecode") {
        ++counts.not_extracted;
        continue;
      }
      PdfImage child;
      child.locator = object_locator(obj);
      const std::uint64_t budget = cb.budget;
      if (filters.size() == 1) {
        auto raw = obj.getRawStreamData();
        if (raw->getSize() > budget) {
          cb.warn("limit", "PDF " + child.locator + ": image of " + std::to_string(raw->getSize()) +
                               " bytes exceeds the child byte budget");
          continue;
        }
        child.bytes.assign(raw->getBuffer(), raw->getBuffer() + raw->getSize());
      } else {
        // Undo the filters in front of the DCT/JPX one: a copy of the stream whose /Filter
        // list stops before it, decoded by qpdf's lossless decoders.
        auto parms = as_list(dict.getKey("/DecodeParms"));
        auto copy = QPDFObjectHandle::newStream(&pdf, obj.getRawStreamData());
        auto front = QPDFObjectHandle::newArray();
        auto front_parms = QPDFObjectHandle::newArray();
        for (std::size_t i = 0; i + 1 < filters.size(); ++i) {
          front.appendItem(filters[i]);
          front_parms.appendItem(i < parms.size() ? parms[i] : QPDFObjectHandle::newNull());
        }
        copy.replaceDict(
            QPDFObjectHandle::newDictionary({{"/Filter", front}, {"/DecodeParms", front_parms}}));
        BoundedSink sink(child.bytes, budget);
        bool ok = false;
        try {
          ok = copy.pipeStreamData(&sink, 0, qpdf_dl_specialized);
        } catch (const OverBudget&) {
          ok = false;
        }
        if (sink.over()) {
          cb.warn("limit",
                  "PDF " + child.locator + ": decoded image exceeds the child byte budget");
          continue;
        }
        if (!ok) {
          flush_warnings();
          cb.warn("corrupt", "PDF " + child.locator + ": filters in front of " + last +
                                 " could not be decoded");
          continue;
        }
      }
      child.name =
          "object" + std::to_string(obj.getObjectID()) + (last == "/DCTDecode" ? ".jpg" : ".jp2");
      if (!cb.image(std::move(child))) {
        counts.complete = false;
        break;
      }
    } catch (const std::exception& e) {
      cb.warn("corrupt", "PDF " + object_locator(obj) + ": " + e.what());
    }
  }
  flush_warnings();
  if (warnings_seen > kMaxWarnings) {
    cb.warn("limit", "PDF: " + std::to_string(warnings_seen - kMaxWarnings) +
                         " further qpdf warnings not recorded");
  }
  return counts;
}

}  // namespace vigil::plugins::documents
