// A small JSON object builder with a fixed key order (the order of the calls), so outputs are
// byte-for-byte reproducible. Hand-written because nlohmann::json cannot hold bytes that are not
// UTF-8, and evidence names keep every byte (text fields get a base64 twin, core/text.hpp).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "vigil/core/text.hpp"

namespace vigil::report {

class JsonObject {
 public:
  JsonObject() : s_("{") {}
  // A string we produced (ids, hex, times): must be valid UTF-8; sanitised if not.
  JsonObject& str(std::string_view k, std::string_view v) {
    sep(k);
    append_json_string(s_, lossy_utf8(v));
    return *this;
  }
  // Text from evidence: exact bytes kept (k_b64 beside it when not UTF-8).
  JsonObject& text(std::string_view k, std::string_view v) {
    comma();
    append_json_text_field(s_, k, v);
    return *this;
  }
  JsonObject& num(std::string_view k, std::int64_t v) {
    sep(k);
    s_ += std::to_string(v);
    return *this;
  }
  JsonObject& unum(std::string_view k, std::uint64_t v) {
    sep(k);
    s_ += std::to_string(v);
    return *this;
  }
  // -1 means "not applicable": written as null.
  JsonObject& opt_int(std::string_view k, int v) {
    sep(k);
    s_ += v < 0 ? "null" : std::to_string(v);
    return *this;
  }
  JsonObject& boolean(std::string_view k, bool v) {
    sep(k);
    s_ += v ? "true" : "false";
    return *this;
  }
  // A value that is already JSON (from the store); written as a string if it does not parse.
  JsonObject& raw(std::string_view k, std::string_view json) {
    if (json.empty()) {
      sep(k);
      s_ += "null";
    } else if (is_valid_utf8(json) && nlohmann::json::accept(json)) {
      sep(k);
      s_ += json;
    } else {
      text(k, json);
    }
    return *this;
  }
  JsonObject& raw_value(std::string_view k, std::string_view json_text) {
    sep(k);
    s_ += json_text;
    return *this;
  }
  std::string done() { return s_ + "}"; }

 private:
  void comma() {
    if (s_.size() > 1) s_ += ',';
  }
  void sep(std::string_view k) {
    comma();
    append_json_string(s_, k);
    s_ += ':';
  }
  std::string s_;
};

}  // namespace vigil::report
