// Extractor tests: child, record and warning counts and chosen values over fixtures built by
// tests/fixtures.cpp from synthetic pictures.
#include "documents/documents.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "fixtures.hpp"
#include "vigil/extract/testing.hpp"

namespace vigil::plugins {
namespace {

using documents::fixtures::Bytes;
namespace fx = documents::fixtures;

struct Run {
  bool probed = false;
  extract::testing::CollectingEmitter out;
};

Run run(const Bytes& b, std::uint64_t budget = 1U << 26U, std::size_t max_children = 1000,
        std::string_view type_name = "unknown") {
  static const auto extractor = make_documents_extractor();
  const auto prov = Provenance::evidence("x");
  sniff::ContentType type;
  type.name = type_name;
  const extract::ItemInput in{prov, "x", type, b, 0};
  Run r{false, extract::testing::CollectingEmitter(budget, max_children)};
  r.probed = extractor->probe(in);
  if (r.probed) extractor->extract(in, r.out, {});
  return r;
}

Bytes slice(const Bytes& b, std::size_t n) {
  return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)};
}

TEST(Documents, Declares) {
  const auto e = make_documents_extractor();
  EXPECT_EQ(e->name(), "documents");
  EXPECT_FALSE(e->version().empty());
  EXPECT_EQ(e->input_types().size(), 3U);
}

TEST(Documents, DocxMediaPartsAreChildren) {
  const Bytes jpeg = fx::synthetic_jpeg(120, 90, 1);
  const Bytes png = fx::synthetic_png(64, 48, 2);
  const Bytes docx = fx::make_docx({{"word/media/image1.jpeg", jpeg},
                                    {"word/media/image2.png", png},
                                    {"docProps/thumbnail.jpeg", jpeg}});
  EXPECT_TRUE(sniff::is_ooxml_package(docx));
  auto r = run(docx, 1U << 26U, 1000, "zip");
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.warnings.size(), 0U);
  EXPECT_EQ(r.out.records.size(), 0U);
  ASSERT_EQ(r.out.children.size(), 3U);
  const auto& c0 = r.out.children[0];
  EXPECT_EQ(c0.layer, "ooxml");
  EXPECT_EQ(c0.locator, "word/media/image1.jpeg");
  EXPECT_EQ(c0.name, "image1.jpeg");
  EXPECT_EQ(c0.bytes, jpeg);
  EXPECT_EQ(c0.declared_size, jpeg.size());
  EXPECT_EQ(c0.status, extract::ChildStatus::kOk);
  EXPECT_FALSE(c0.times.modified.has_value());  // zone-less MS-DOS time: not recorded
  EXPECT_EQ(r.out.children[1].bytes, png);
  EXPECT_EQ(r.out.children[2].locator, "docProps/thumbnail.jpeg");
}

TEST(Documents, XlsxAndPptxMediaAndEmbeddings) {
  const Bytes jpeg = fx::synthetic_jpeg(50, 40, 3);
  const Bytes inner = fx::make_docx({{"word/media/image1.jpeg", jpeg}});
  const Bytes xlsx = fx::make_docx({{"xl/media/image1.jpeg", jpeg},
                                    {"xl/worksheets/sheet1.xml", Bytes{'<', 'x', '/', '>'}},
                                    {"ppt/media/image9.jpeg", jpeg},
                                    {"xl/embeddings/Document1.docx", inner}});
  auto r = run(xlsx);
  ASSERT_TRUE(r.probed);
  ASSERT_EQ(r.out.children.size(), 3U);
  EXPECT_EQ(r.out.children[0].locator, "xl/media/image1.jpeg");
  EXPECT_EQ(r.out.children[1].locator, "ppt/media/image9.jpeg");
  EXPECT_EQ(r.out.children[2].locator, "xl/embeddings/Document1.docx");
  EXPECT_EQ(r.out.children[2].bytes, inner);
}

TEST(Documents, PlainZipIsNotMine) {
  const Bytes jpeg = fx::synthetic_jpeg(50, 40, 4);
  const Bytes zip = fx::make_zip({{"word/media/image1.jpeg", jpeg}, {"a.txt", Bytes{'a'}}});
  EXPECT_FALSE(sniff::is_ooxml_package(zip));
  auto r = run(zip, 1U << 26U, 1000, "zip");
  EXPECT_FALSE(r.probed);
}

// The OOXML decision is the item's (ItemInput::is_ooxml, made once for the archive and
// documents probes): the documents probe asks the item, never the bytes again.
TEST(Documents, ProbeUsesTheItemsOoxmlDecision) {
  const Bytes zip = fx::make_zip({{"a.txt", Bytes{'a'}}});
  const auto prov = Provenance::evidence("x");
  sniff::ContentType type;
  type.name = "zip";
  const auto e = make_documents_extractor();
  const extract::ItemInput plain{prov, "x", type, zip, 0};
  EXPECT_FALSE(e->probe(plain));
  ASSERT_TRUE(plain.ooxml_decided.has_value());
  EXPECT_FALSE(*plain.ooxml_decided);
  const extract::ItemInput decided{prov, "x", type, zip, 0, true};
  EXPECT_TRUE(e->probe(decided));
}

TEST(Documents, ContentTypesFoundInCentralDirectoryToo) {
  // [Content_Types].xml last: the local-header walk misses it, the central directory has it.
  const Bytes jpeg = fx::synthetic_jpeg(50, 40, 5);
  const Bytes zip =
      fx::make_zip({{"word/media/image1.jpeg", jpeg}, {"[Content_Types].xml", Bytes{'<'}}});
  EXPECT_TRUE(sniff::is_ooxml_package(zip));
  auto r = run(zip);
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.children.size(), 1U);
}

TEST(Documents, TruncatedDocxKeepsWhatWasRead) {
  const Bytes a = fx::synthetic_jpeg(100, 80, 6);
  const Bytes b = fx::synthetic_jpeg(100, 80, 7);
  const Bytes docx = fx::make_docx({{"word/media/image1.jpeg", a}, {"word/media/image2.jpeg", b}});
  // Cut inside the second picture: the central directory is gone, the first member is whole.
  const Bytes cut = slice(docx, docx.size() - b.size() / 2);
  auto r = run(cut);
  ASSERT_TRUE(r.probed);
  EXPECT_GE(r.out.warnings.size(), 1U);
  ASSERT_GE(r.out.children.size(), 1U);
  EXPECT_EQ(r.out.children[0].bytes, a);
  for (std::size_t i = 1; i < r.out.children.size(); ++i)
    EXPECT_EQ(r.out.children[i].status, extract::ChildStatus::kPartial);
}

TEST(Documents, DocxChildBudgetGivesPartialAndLimit) {
  const Bytes jpeg = fx::synthetic_jpeg(200, 150, 8);
  auto r = run(fx::make_docx({{"word/media/image1.jpeg", jpeg}}), 1000);
  ASSERT_EQ(r.out.children.size(), 1U);
  EXPECT_EQ(r.out.children[0].status, extract::ChildStatus::kPartial);
  EXPECT_EQ(r.out.children[0].bytes.size(), 1000U);
  EXPECT_EQ(r.out.warnings_with("limit"), 1U);
}

TEST(Documents, DocxStopsWhenTheEmitterSaysSo) {
  const Bytes jpeg = fx::synthetic_jpeg(30, 30, 9);
  auto r = run(fx::make_docx({{"word/media/image1.jpeg", jpeg},
                              {"word/media/image2.jpeg", jpeg},
                              {"word/media/image3.jpeg", jpeg}}),
               1U << 26U, 2);
  EXPECT_EQ(r.out.children.size(), 2U);
}

TEST(Documents, OleDataStreamPictures) {
  const Bytes jpeg = fx::synthetic_jpeg(120, 90, 10);
  const Bytes png = fx::synthetic_png(60, 40, 11);
  const Bytes doc = fx::make_doc({jpeg, png});
  auto r = run(doc, 1U << 26U, 1000, "ole2");
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.warnings.size(), 0U) << r.out.warnings[0].message;
  ASSERT_EQ(r.out.children.size(), 2U);
  EXPECT_EQ(r.out.children[0].layer, "ole");
  EXPECT_EQ(r.out.children[0].locator, "stream /Data@68");
  EXPECT_EQ(r.out.children[0].bytes, jpeg);
  EXPECT_EQ(r.out.children[1].locator, "stream /Data@" + std::to_string(68 + jpeg.size() + 76));
  EXPECT_EQ(r.out.children[1].bytes, png);
}

TEST(Documents, OleEmbeddedPackageIsOneChild) {
  // Word keeps an embedded .docx whole in ObjectPool/_n/Package: one child, extracted again.
  const Bytes jpeg = fx::synthetic_jpeg(64, 48, 21);
  const Bytes docx = fx::make_docx({{"word/media/image1.jpeg", jpeg}});
  auto r = run(fx::make_cfb({{"WordDocument", Bytes(4096, 0)}, {"Package", docx}}));
  ASSERT_EQ(r.out.children.size(), 1U);
  EXPECT_EQ(r.out.children[0].locator, "stream /Package");
  EXPECT_EQ(r.out.children[0].name, "Package");
  // make_cfb pads streams to 4096 bytes: the child is the stream, padding included.
  ASSERT_GE(r.out.children[0].bytes.size(), docx.size());
  EXPECT_TRUE(std::equal(docx.begin(), docx.end(), r.out.children[0].bytes.begin()));
  auto inner = run(r.out.children[0].bytes);
  ASSERT_EQ(inner.out.children.size(), 1U);
  EXPECT_EQ(inner.out.children[0].bytes, jpeg);
}

TEST(Documents, OleTruncatedPictureIsAWarningNotAChild) {
  const Bytes jpeg = fx::synthetic_jpeg(120, 90, 12);
  Bytes data(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2));
  data.insert(data.begin(), 50, 0x22);
  auto r = run(fx::make_cfb({{"Pictures", data}}));
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.children.size(), 0U);
  // The stream is zero-padded to 4096 bytes: the JPEG's entropy data runs to the end.
  EXPECT_EQ(r.out.warnings_with("truncated"), 1U);
}

TEST(Documents, ThumbsDbCatalogIsLeftToThumbsdb) {
  const Bytes jpeg = fx::synthetic_jpeg(96, 96, 13);
  Bytes entry(12, 0);
  entry.insert(entry.end(), jpeg.begin(), jpeg.end());
  auto r = run(fx::make_cfb({{"Catalog", Bytes(64, 0)}, {"1", entry}}));
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.children.size(), 0U);
  EXPECT_EQ(r.out.warnings.size(), 0U);
}

// Windows 7+ Thumbs.db on a network share: no Catalog, "<size>_<hex>" thumbnail streams.
TEST(Documents, Windows7ThumbsDbIsLeftToThumbsdb) {
  const Bytes jpeg = fx::synthetic_jpeg(96, 96, 15);
  Bytes entry(24, 0);
  entry.insert(entry.end(), jpeg.begin(), jpeg.end());
  auto r = run(fx::make_cfb({{"256_a1b2c3d4e5f60718", entry}}));
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.children.size(), 0U);
  EXPECT_EQ(r.out.warnings.size(), 0U);
}

TEST(Documents, EncryptedOfficeFileIsAWarning) {
  auto r =
      run(fx::make_cfb({{"EncryptionInfo", Bytes(100, 1)}, {"EncryptedPackage", Bytes(5000, 2)}}));
  EXPECT_EQ(r.out.children.size(), 0U);
  EXPECT_EQ(r.out.warnings_with("encrypted"), 1U);
}

TEST(Documents, DamagedOleHeaderIsAWarning) {
  const Bytes doc = fx::make_doc({fx::synthetic_jpeg(40, 40, 14)});
  auto r = run(slice(doc, 600));
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.children.size(), 0U);
  EXPECT_EQ(r.out.warnings_with("corrupt"), 1U);
}

TEST(Documents, OleHeaderThatWouldExhaustMemoryIsAWarning) {
  // Found by fuzzing: libolecf sizes its FAT and mini FAT tables from the header's counts.
  for (const auto& [offset, what] : {std::pair{44, "FAT sectors"}, {64, "mini FAT sectors"}}) {
    SCOPED_TRACE(what);
    Bytes doc = fx::make_doc({fx::synthetic_jpeg(40, 40, 19)});
    doc[offset] = 0xFF;
    doc[offset + 1] = 0xFF;
    doc[offset + 2] = 0xFF;
    doc[offset + 3] = 0x0F;
    auto r = run(doc);
    ASSERT_TRUE(r.probed);
    EXPECT_EQ(r.out.children.size(), 0U);
    ASSERT_EQ(r.out.warnings_with("corrupt"), 1U);
    EXPECT_NE(r.out.warnings[0].message.find(what), std::string::npos);
  }
}

TEST(Documents, PdfDctImageIsTheJpegAsItIs) {
  const Bytes jpeg = fx::synthetic_jpeg(160, 120, 15);
  const Bytes pdf = fx::make_pdf_with_jpeg(jpeg, 160, 120);
  auto r = run(pdf);
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.warnings.size(), 0U);
  ASSERT_EQ(r.out.children.size(), 1U);
  EXPECT_EQ(r.out.children[0].layer, "pdf");
  EXPECT_TRUE(r.out.children[0].locator.starts_with("object "));
  EXPECT_EQ(r.out.children[0].bytes, jpeg);
  EXPECT_EQ(r.out.value("pdf_image_streams"), "1");
  EXPECT_EQ(r.out.value("pdf_images_not_extracted"), "0");
}

TEST(Documents, PdfFiltersInFrontOfDctJpxAndRawSamples) {
  const Bytes jpeg = fx::synthetic_jpeg(48, 32, 20);
  // Not a real JPEG 2000 codestream: the extractor emits what the PDF holds, the dispatcher
  // sniffs it; the point here is the filter handling.
  const Bytes jpx = {0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
  const Bytes raw(8 * 8 * 3, 0x7F);
  const Bytes pdf = fx::make_pdf_by_hand({{"[/ASCIIHexDecode /DCTDecode]", fx::ascii_hex(jpeg)},
                                          {"/JPXDecode", jpx},
                                          {"/ASCIIHexDecode", fx::ascii_hex(raw)},
                                          {"[/ASCIIHexDecode /DCTDecode]", Bytes{'Z', 'Z', '>'}}});
  auto r = run(pdf);
  ASSERT_TRUE(r.probed);
  ASSERT_EQ(r.out.children.size(), 2U);
  EXPECT_EQ(r.out.children[0].locator, "object 4");
  EXPECT_EQ(r.out.children[0].name, "object4.jpg");
  EXPECT_EQ(r.out.children[0].bytes, jpeg);
  EXPECT_EQ(r.out.children[1].locator, "object 5");
  EXPECT_EQ(r.out.children[1].name, "object5.jp2");
  EXPECT_EQ(r.out.children[1].bytes, jpx);
  EXPECT_EQ(r.out.value("pdf_image_streams"), "4");
  EXPECT_EQ(r.out.value("pdf_images_not_extracted"), "1");
  // Object 7's hex data is not hex: a warning naming it, nothing emitted for it.
  bool named = false;
  for (const auto& w : r.out.warnings) named |= w.message.find("object 7") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST(Documents, PdfCutShortByTheEmitterRecordsNoCounts) {
  const Bytes jpeg = fx::synthetic_jpeg(16, 16, 22);
  const Bytes pdf = fx::make_pdf_by_hand({{"/DCTDecode", jpeg}, {"/DCTDecode", jpeg}});
  auto r = run(pdf, 1U << 26U, 1);
  EXPECT_EQ(r.out.children.size(), 1U);
  EXPECT_EQ(r.out.records.size(), 0U);
}

TEST(Documents, PdfBehindJunkBytesIsStillFound) {
  const Bytes jpeg = fx::synthetic_jpeg(64, 64, 16);
  Bytes pdf(100, 'x');
  const Bytes real = fx::make_pdf_with_jpeg(jpeg, 64, 64);
  pdf.insert(pdf.end(), real.begin(), real.end());
  auto r = run(pdf);
  ASSERT_TRUE(r.probed);
  ASSERT_EQ(r.out.children.size(), 1U);
  EXPECT_EQ(r.out.children[0].bytes, jpeg);
}

TEST(Documents, PdfImageOverBudgetIsALimitWarning) {
  const Bytes jpeg = fx::synthetic_jpeg(160, 120, 17);
  auto r = run(fx::make_pdf_with_jpeg(jpeg, 160, 120), 100);
  EXPECT_EQ(r.out.children.size(), 0U);
  EXPECT_EQ(r.out.warnings_with("limit"), 1U);
}

TEST(Documents, GarbagePdfIsAWarningNeverACrash) {
  const std::string text = "%PDF-1.7\n1 0 obj << /Type /XObject /Subtype /Image >> stream\nxx";
  auto r = run(Bytes(text.begin(), text.end()));
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.children.size(), 0U);
  EXPECT_GE(r.out.warnings.size(), 1U);
}

TEST(Documents, ManyThreadsAtOnceGiveTheSameChildren) {
  // extract() is const and thread-safe: libarchive, libolecf and qpdf objects live on its stack.
  const Bytes jpeg = fx::synthetic_jpeg(64, 48, 23);
  const std::vector<Bytes> inputs = {fx::make_docx({{"word/media/image1.jpeg", jpeg}}),
                                     fx::make_doc({jpeg}), fx::make_pdf_with_jpeg(jpeg, 64, 48)};
  std::vector<std::thread> threads;
  std::vector<int> good(8, 0);
  for (std::size_t t = 0; t < good.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        auto r = run(inputs[(t + static_cast<std::size_t>(i)) % inputs.size()]);
        good[t] +=
            r.out.children.size() == 1 && r.out.children[0].bytes == jpeg && r.out.warnings.empty()
                ? 1
                : 0;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const int g : good) EXPECT_EQ(g, 30);
}

TEST(Documents, OtherBytesAreNotMine) {
  EXPECT_FALSE(run(fx::synthetic_jpeg(20, 20, 18)).probed);
  EXPECT_FALSE(run(Bytes{}).probed);
}

}  // namespace
}  // namespace vigil::plugins
