#include "vigil/core/result.hpp"

namespace vigil {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kIo:
      return "i/o error";
    case ErrorCode::kCorrupt:
      return "corrupt";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kLimit:
      return "limit reached";
    case ErrorCode::kMismatch:
      return "mismatch";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string s = error_code_name(code);
  s += ": ";
  s += message;
  if (!provenance.empty()) {
    s += " [at ";
    s += provenance;
    s += "]";
  }
  return s;
}

}  // namespace vigil
