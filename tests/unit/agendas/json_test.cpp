// to_json: a template written back to JSON validates and reads back to the same template.
#include <gtest/gtest.h>

#include <agendas/json.hpp>
#include <agendas/library.hpp>

#include "test_util.hpp"

namespace napc::agendas {
namespace {

using test::shipped;

std::vector<std::string> section_keys(const Template& tpl) {
  std::vector<std::string> out;
  for (const auto& s : consultation_sections(tpl)) {
    out.push_back(s.key);
  }
  return out;
}

TEST(ToJson, ShippedTemplatesRoundTrip) {
  ASSERT_FALSE(shipped().list().empty());
  for (const auto& tpl : shipped().list()) {
    const auto doc = to_json(tpl);
    const auto back = shipped().read_template(doc, tpl.id);
    ASSERT_TRUE(back.ok()) << tpl.id << ": " << back.issues.front().to_string();
    EXPECT_EQ(to_json(*back.value), doc) << tpl.id;
    EXPECT_EQ(section_keys(*back.value), section_keys(tpl)) << tpl.id;
    const auto a = flatten_agenda(tpl);
    const auto b = flatten_agenda(*back.value);
    ASSERT_EQ(a.size(), b.size()) << tpl.id;
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].item->key, b[i].item->key);
      EXPECT_EQ(a[i].start_minute, b[i].start_minute);
      EXPECT_EQ(a[i].end_minute, b[i].end_minute);
    }
  }
}

TEST(ToJson, OptionSetsAreWrittenResolved) {
  const Template* tpl = shipped().find("drafting-workshop");
  ASSERT_NE(tpl, nullptr);
  const auto doc = to_json(*tpl);
  const auto& polls = doc["days"][1]["items"][6]["polls"];
  ASSERT_EQ(polls.size(), 4U);
  EXPECT_FALSE(polls[0].contains("option_set"));
  EXPECT_EQ(polls[0]["options"].size(),
            shipped().option_set("priorities/prevention")->options.size());
}

TEST(ToJson, OutlineRoundTrips) {
  const Outline* outline = shipped().outline("nap-forced-labour");
  ASSERT_NE(outline, nullptr);
  const auto doc = to_json(*outline);
  const auto back = shipped().read_outline(doc, "outline");
  ASSERT_TRUE(back.ok()) << back.issues.front().to_string();
  EXPECT_EQ(to_json(*back.value), doc);
  // The file itself says the same thing (modulo "$schema").
  auto file = test::read_json(test::data_dir() + "/outlines/nap-forced-labour.json");
  file.erase("$schema");
  EXPECT_EQ(file, doc);
}

TEST(ToJson, SectionCarriesTypedColumns) {
  const auto doc = to_json(*shipped().outline("nap-forced-labour")->find("budget"));
  EXPECT_EQ(doc["document"]["kind"], "table");
  EXPECT_EQ(doc["document"]["columns"][0]["type"], "row_ref");
  EXPECT_EQ(doc["document"]["columns"][0]["ref"], "implementation");
}

}  // namespace
}  // namespace napc::agendas
