// The check that keeps qpdf from inflating a cross-reference or object stream bomb.
#include "pdf_guard.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <string>
#include <vector>

#include "documents/documents.hpp"
#include "fixtures.hpp"
#include "vigil/extract/testing.hpp"

namespace vigil::plugins::documents {
namespace {

using fixtures::Bytes;

Bytes deflate_zeros(std::size_t n) {
  z_stream z{};
  deflateInit(&z, 1);
  const std::vector<std::uint8_t> zeros(1U << 20U, 0);
  Bytes out;
  std::vector<std::uint8_t> buf(1U << 16U);
  for (std::size_t done = 0; done <= n;) {
    const std::size_t take = std::min(zeros.size(), n - done);
    z.next_in = const_cast<Bytef*>(zeros.data());
    z.avail_in = static_cast<uInt>(take);
    const int flush = done + take >= n ? Z_FINISH : Z_NO_FLUSH;
    int rc = Z_OK;
    do {
      z.next_out = buf.data();
      z.avail_out = static_cast<uInt>(buf.size());
      rc = deflate(&z, flush);
      out.insert(out.end(), buf.begin(), buf.end() - z.avail_out);
    } while (z.avail_out == 0);
    done += take;
    if (flush == Z_FINISH || rc == Z_STREAM_END) break;
  }
  deflateEnd(&z);
  return out;
}

// A PDF whose only cross-reference section is a Flate xref stream; `type` is how its dictionary
// spells /XRef.
Bytes pdf_with_xref_stream(const Bytes& stream, const std::string& type) {
  Bytes out;
  auto put = [&out](const std::string& s) { out.insert(out.end(), s.begin(), s.end()); };
  put("%PDF-1.5\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  put("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
  const std::size_t xref = out.size();
  put("3 0 obj\n<< /Type " + type + " /Size 4 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode " +
      "/Length " + std::to_string(stream.size()) + " >>\nstream\n");
  out.insert(out.end(), stream.begin(), stream.end());
  put("\nendstream\nendobj\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n");
  return out;
}

TEST(PdfGuard, SmallStructureStreamsPass) {
  EXPECT_EQ(pdf_structure_bomb(pdf_with_xref_stream(deflate_zeros(28), "/XRef")), "");
  const Bytes cairo = fixtures::make_pdf_with_jpeg(fixtures::synthetic_jpeg(32, 32, 1), 32, 32);
  EXPECT_EQ(pdf_structure_bomb(cairo), "");
}

TEST(PdfGuard, XrefStreamBombIsALimitWarningAndQuick) {
  static const Bytes bomb = deflate_zeros(kMaxStructureStream + (1U << 20U));
  for (const std::string type : {"/XRef", "/X#52ef", "/ObjStm"}) {
    SCOPED_TRACE(type);
    const Bytes pdf = pdf_with_xref_stream(bomb, type);
    EXPECT_NE(pdf_structure_bomb(pdf), "");
    const auto start = std::chrono::steady_clock::now();
    const auto extractor = make_documents_extractor();
    const auto prov = Provenance::evidence("x");
    const sniff::ContentType t;
    const extract::ItemInput in{prov, "x", t, pdf, 0};
    extract::testing::CollectingEmitter out;
    ASSERT_TRUE(extractor->probe(in));
    extractor->extract(in, out, {});
    EXPECT_EQ(out.warnings_with("limit"), 1U);
    EXPECT_EQ(out.records.size(), 0U);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  }
}

}  // namespace
}  // namespace vigil::plugins::documents
