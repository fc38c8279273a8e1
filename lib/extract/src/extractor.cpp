#include "vigil/extract/extractor.hpp"

namespace vigil::extract {

const char* child_status_name(ChildStatus s) {
  switch (s) {
    case ChildStatus::kOk:
      return "ok";
    case ChildStatus::kEncrypted:
      return "encrypted";
    case ChildStatus::kPartial:
      return "partial";
    case ChildStatus::kReassembled:
      return "reassembled";
  }
  return "ok";
}

}  // namespace vigil::extract
