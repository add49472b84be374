// Corpora made with real Yjs that live beside the project in ../shared/conformance (not copied
// into the repository). Skipped with a message when that directory is absent.
//   * yrs-small-test-dataset.bin: 5320 cases of V1 updates with the expected text / map / array
//     (format: yjs-spec.md §7.2), verified against yjs 13.6.33.
//   * differential-oracle-sample.json: 20 random 3-peer runs with Yjs's exact output bytes.
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "crdt/any.hpp"
#include "crdt/doc.hpp"
#include "crdt/updates.hpp"
#include "hex.hpp"

namespace crdt {
namespace {

std::filesystem::path shared_dir() {
  return std::filesystem::path(NAPC_SOURCE_DIR) / ".." / "shared" / "conformance";
}

bool read_file(const std::filesystem::path& p, Bytes& out) {
  std::ifstream f(p, std::ios::binary);
  if (!f) {
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

std::string unspaced_hex(ByteView b) {
  std::string s = test::to_hex(b);
  std::erase(s, ' ');
  return s;
}

TEST(ConformanceCorpus, YrsSmallDataset) {
  Bytes data;
  if (!read_file(shared_dir() / "yrs-small-test-dataset.bin", data)) {
    GTEST_SKIP() << "../shared/conformance/yrs-small-test-dataset.bin not found";
  }
  lib0::Decoder dec(data);
  const std::uint64_t cases = dec.read_var_uint();
  EXPECT_EQ(cases, 5320u);
  const JsonOptions opts{.binary_as_array = true};
  for (std::uint64_t c = 0; c < cases; ++c) {
    Doc doc(DocOptions{.gc = true, .client_id = 0xffffffffff});
    const std::uint64_t n = dec.read_var_uint();
    for (std::uint64_t i = 0; i < n; ++i) {
      doc.apply_update(dec.read_var_uint8_array());
    }
    std::string text;
    json_quote(dec.read_var_string(), text);
    const std::string map = json_stringify(read_any(dec), opts);
    const std::string array = json_stringify(read_any(dec), opts);
    ASSERT_EQ(doc.to_json("text", RootKind::text), text) << "case " << c;
    ASSERT_EQ(doc.to_json("map", RootKind::map), map) << "case " << c;
    ASSERT_EQ(doc.to_json("array", RootKind::array), array) << "case " << c;
  }
}

TEST(ConformanceCorpus, DifferentialOracleSample) {
  Bytes raw;
  if (!read_file(shared_dir() / "differential-oracle-sample.json", raw)) {
    GTEST_SKIP() << "../shared/conformance/differential-oracle-sample.json not found";
  }
  const Any root =
      json_parse(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  const AnyArray& cases = root.as_object().find("cases")->as_array();
  ASSERT_EQ(cases.size(), 20u);
  for (const Any& c : cases) {
    const AnyObject& o = c.as_object();
    const AnyObject& expect = o.find("expect")->as_object();
    const std::string seed = js_number_to_string(o.find("seed")->as_number());
    Doc doc(DocOptions{.gc = true, .client_id = 0xffffffffff});
    std::vector<Bytes> updates;
    for (const Any& u : o.find("updates")->as_array()) {
      updates.push_back(test::hex(u.as_string()));
      doc.apply_update(updates.back());
    }
    EXPECT_EQ(unspaced_hex(doc.encode_state_vector()), expect.find("stateVector")->as_string())
        << seed;
    EXPECT_EQ(unspaced_hex(doc.encode_state_as_update()), expect.find("stateAsUpdate")->as_string())
        << seed;
    EXPECT_EQ(unspaced_hex(merge_updates(updates)), expect.find("mergeUpdates")->as_string())
        << seed;
    const AnyObject& diff = expect.find("diffFromFirstHalfSv")->as_object();
    EXPECT_EQ(unspaced_hex(doc.encode_state_as_update(test::hex(diff.find("sv")->as_string()))),
              diff.find("diff")->as_string())
        << seed;
    std::string text;
    json_quote(expect.find("text")->as_string(), text);
    EXPECT_EQ(doc.to_json("t", RootKind::text), text) << seed;
    EXPECT_EQ(doc.to_json("m", RootKind::map), json_stringify(*expect.find("map"))) << seed;
  }
}

}  // namespace
}  // namespace crdt
