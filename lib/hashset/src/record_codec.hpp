// The record table's encoding (records.bin): one variable-length record after another, little
// endian, lengths as LEB128 varints. Decoding goes through ByteReader: a damaged table yields an
// Error, never a read past the end.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "vigil/core/result.hpp"
#include "vigil/hashset/types.hpp"

namespace vigil::hashset::detail {

void encode_record(const Record& r, std::string& out);
[[nodiscard]] Result<Record> decode_record(std::span<const std::uint8_t> bytes);

}  // namespace vigil::hashset::detail
