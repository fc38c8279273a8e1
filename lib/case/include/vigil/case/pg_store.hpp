// PostgreSQL as a lab's shared case store (issue 16). SQLite stays the working store of every
// writer: a scan writes its case folder, a merge its case folder, as without PostgreSQL. When a
// writer has finished it PUBLISHES what its SQLite store holds into the PostgreSQL case, in one
// transaction, under a per-case lock, with the ids the case gives them (as vigil merge offsets a
// unit's ids); a reader takes a consistent SNAPSHOT of the PostgreSQL case into a fresh SQLite
// store and reads that. So both backends hold the same schema (the same migration steps, with a
// type mapping) and the same code reads both.
//
// A case in PostgreSQL is a schema of the database the URI names: the URI's `case` parameter,
// else the name the caller gives (the case folder's name). Messages name the store by
// redacted(uri): the password never appears.
#pragma once

#include <cstdint>
#include <string>

#include "vigil/core/result.hpp"

namespace vigil::case_store::pg {

// True for postgresql:// and postgres:// URIs.
bool is_uri(const std::string& s);

// The URI with its password (user:PASSWORD@ or password=...) replaced by "***".
std::string redacted(const std::string& uri);

struct PublishResult {
  bool already_published = false;  // nothing new since this store's last publish
  std::string case_name;
  std::uint64_t rows = 0;  // rows written into the PostgreSQL case
  double seconds = 0;
};

// Publishes what the SQLite case store in case_dir holds and has not published before into the
// PostgreSQL case (one transaction: all or nothing). A store is known by its host and absolute
// folder; publishing again publishes only rows added since.
Result<PublishResult> publish(const std::string& uri, const std::string& case_dir);

// Copies the PostgreSQL case (one REPEATABLE READ snapshot) into a new SQLite case store in
// out_dir, which must not hold one. default_case names the case when the URI does not.
Result<std::uint64_t> snapshot(const std::string& uri, const std::string& default_case,
                               const std::string& out_dir);

}  // namespace vigil::case_store::pg
