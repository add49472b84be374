// Helpers shared by the agenda library tests: paths of the shipped data and of the fixtures.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include <agendas/library.hpp>

namespace napc::agendas::test {

inline std::string data_dir() { return std::string(NAPC_SOURCE_DIR) + "/agendas"; }
inline std::string fixture(const std::string& name) {
  return std::string(NAPC_SOURCE_DIR) + "/tests/unit/agendas/fixtures/" + name;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(read_text(path));
}

/** The shipped library, loaded once. */
inline const Library& shipped() {
  static const Library lib = Library::load(data_dir());
  return lib;
}

}  // namespace napc::agendas::test
