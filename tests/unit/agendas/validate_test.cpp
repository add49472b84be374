// Validation of facilitators' own templates: one failing fixture per rule (fixtures/
// invalid-cases.json, shared with the JSON Schema test), and the checks on raw text that keep
// hostile uploads out (size, depth, syntax, duplicate keys).
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <agendas/library.hpp>

#include "test_util.hpp"

namespace napc::agendas {
namespace {

using nlohmann::json;
using test::shipped;

struct Case {
  std::string name;
  std::string rule;
  std::string base;
  json patch;
  std::string pointer;
  std::string message;
  std::size_t issues = 1;
};

std::vector<Case> load_cases() {
  std::vector<Case> out;
  const json manifest = test::read_json(test::fixture("invalid-cases.json"));
  for (const auto& c : manifest.at("cases")) {
    out.push_back({c.at("name"), c.at("rule"), c.at("base"), c.at("patch"), c.at("pointer"),
                   c.at("message"), c.value("issues", std::size_t{1})});
  }
  return out;
}

std::string dump_issues(const std::vector<Issue>& issues) {
  std::string out;
  for (const auto& i : issues) {
    out += "  " + i.to_string() + "\n";
  }
  return out;
}

TEST(Fixtures, BasesAreValid) {
  for (const char* base : {"base-days.json", "base-phases.json"}) {
    const auto loaded = shipped().load_template_file(test::fixture(base));
    EXPECT_TRUE(loaded.ok()) << base << "\n" << dump_issues(loaded.issues);
  }
}

class InvalidTemplate : public ::testing::TestWithParam<Case> {};

TEST_P(InvalidTemplate, IsRefusedWithTheExactPointer) {
  const Case& c = GetParam();
  const json doc = test::read_json(test::fixture(c.base)).patch(c.patch);
  const auto result = validate_template(doc, "upload.json", shipped());
  ASSERT_FALSE(result.ok()) << c.name << " (" << c.rule << ") was accepted";
  EXPECT_EQ(result.issues.size(), c.issues) << dump_issues(result.issues);
  bool found = false;
  for (const auto& issue : result.issues) {
    EXPECT_EQ(issue.file, "upload.json");
    if (issue.pointer == c.pointer && issue.message.find(c.message) != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << "expected upload.json:" << c.pointer << ": …" << c.message << "…\ngot:\n"
                     << dump_issues(result.issues);
  // Refusing means no template comes out.
  EXPECT_FALSE(shipped().read_template(doc, "upload.json").ok());
}

INSTANTIATE_TEST_SUITE_P(Rules, InvalidTemplate, ::testing::ValuesIn(load_cases()),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

TEST(Validate, ReportsEveryProblemNotJustTheFirst) {
  json doc = test::read_json(test::fixture("base-days.json"));
  doc["title"].erase("fr");
  doc["days"][0]["items"][0]["kind"] = "talk";
  doc["days"][0]["items"][3]["planned_minutes"] = 31;
  doc["colour"] = "blue";
  const auto result = validate_template(doc, "t.json", shipped());
  std::vector<std::string> pointers;
  for (const auto& i : result.issues) {
    pointers.push_back(i.pointer);
  }
  EXPECT_EQ(pointers, (std::vector<std::string>{"/title", "/days/0/items/0/kind", "/days/0/items/3",
                                                "/colour"}))
      << dump_issues(result.issues);
}

// A hostile upload made of many small mistakes (issue #10): every problem is counted, the first
// kMaxListedIssues are listed, and one more line says how many were left out.
TEST(Validate, ListsTheFirstHundredProblemsAndCountsTheRest) {
  json doc = test::read_json(test::fixture("base-days.json"));
  auto& items = doc["days"][0]["items"];
  const json bad = {{"key", "Not A Key"}, {"kind", "party"}, {"colour", "blue"}};
  items = json::array();
  for (int i = 0; i < 400; ++i) items.push_back(bad);
  const auto loaded = shipped().read_template(doc, "t.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_GT(loaded.issue_count, kMaxListedIssues);
  ASSERT_EQ(loaded.issues.size(), kMaxListedIssues + 1);
  EXPECT_EQ(loaded.issues.back().pointer, "");
  EXPECT_EQ(loaded.issues.back().message,
            "and " + std::to_string(loaded.issue_count - kMaxListedIssues) +
                " more problems (only the first 100 are listed)");
  EXPECT_EQ(loaded.issues.front().pointer, "/days/0/items/0/key") << dump_issues(loaded.issues);
}

// A list longer than any real agenda needs is one problem, and its elements are not validated:
// 85,000 empty items cost one line, not 340,000 (issue #10, finding 5).
TEST(Validate, RefusesAnOverlongListWithOneIssue) {
  json doc = test::read_json(test::fixture("base-days.json"));
  doc["days"][0]["items"] = json::array();
  for (int i = 0; i < 85000; ++i) doc["days"][0]["items"].push_back(json::object());
  const auto loaded = shipped().parse_template(doc.dump(), "t.json", Limits{8u << 20, 32});
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.issues.size(), 1u) << dump_issues(loaded.issues);
  EXPECT_EQ(loaded.issue_count, 1u);
  EXPECT_EQ(loaded.issues[0].pointer, "/days/0/items");
  EXPECT_EQ(loaded.issues[0].message, "has 85000 elements; at most 500 are allowed");
}

TEST(Validate, IssueRendersAsFilePointerMessage) {
  json doc = test::read_json(test::fixture("base-days.json"));
  doc["days"][0]["items"][0]["planned_minutes"] = 0;
  const auto result = validate_template(doc, "mine.json", shipped());
  ASSERT_EQ(result.issues.size(), 1U);
  EXPECT_EQ(result.issues[0].to_string(),
            "mine.json:/days/0/items/0/planned_minutes: must be an integer from 1 to 1440, not 0");
}

TEST(Validate, PointerTokensAreEscaped) {
  json doc = test::read_json(test::fixture("base-days.json"));
  doc["a/b~c"] = 1;
  const auto result = validate_template(doc, "t.json", shipped());
  ASSERT_EQ(result.issues.size(), 1U);
  EXPECT_EQ(result.issues[0].pointer, "/a~1b~0c");
}

TEST(Validate, IntegralFloatMinutesAreIntegersAsInJsonSchema) {
  json doc = test::read_json(test::fixture("base-days.json"));
  doc["days"][0]["items"][0]["planned_minutes"] = 20.0;
  EXPECT_TRUE(validate_template(doc, "t.json", shipped()).ok());
}

TEST(Validate, ADayMayBeFilledExactly) {
  json doc = test::read_json(test::fixture("base-days.json"));
  doc["days"][0]["items"][3]["planned_minutes"] = 30;  // 20 + 40 + 30 + 30 = 120
  EXPECT_TRUE(validate_template(doc, "t.json", shipped()).ok());
}

TEST(Validate, ValidTemplateBuildsTheModel) {
  const auto loaded = shipped().load_template_file(test::fixture("base-days.json"));
  ASSERT_TRUE(loaded.ok());
  const Template& tpl = *loaded.value;
  EXPECT_EQ(tpl.id, "fixture-days");
  EXPECT_EQ(tpl.title.fr, "Atelier de test");
  ASSERT_EQ(tpl.days.size(), 1U);
  EXPECT_EQ(tpl.days[0].start_minute, 9 * 60);
  EXPECT_EQ(tpl.days[0].items[1].items.size(), 2U);
  EXPECT_EQ(tpl.days[0].items[1].groups[0].pillar, Pillar::prevention);
  const auto& polls = tpl.days[0].items[2].polls;
  ASSERT_EQ(polls.size(), 3U);
  EXPECT_EQ(polls[1].method, PollMethod::consent);
  EXPECT_TRUE(polls[1].options.empty());
  EXPECT_EQ(polls[2].options.size(), shipped().option_set("priorities/prevention")->options.size());
  std::vector<std::string> sections;
  for (const auto& s : consultation_sections(tpl)) {
    sections.push_back(s.key);
  }
  // Outline sections kept by `include`, in outline order, then the extra sections.
  EXPECT_EQ(sections, (std::vector<std::string>{"situation", "strategy_prevention",
                                                "strategy_protection", "local_notes"}));
  EXPECT_EQ(tpl.find_section("local_notes")->document.columns.size(), 2U);
}

// --- raw text: the checks made before anything is parsed --------------------------------------

TEST(ParseText, SyntaxErrorReportsLineAndColumn) {
  const auto loaded = shipped().parse_template("{\n  \"id\": \"x\",\n  \"title\": ,\n}", "up.json");
  ASSERT_EQ(loaded.issues.size(), 1U);
  const Issue& issue = loaded.issues[0];
  EXPECT_EQ(issue.line, 3);
  EXPECT_EQ(issue.column, 12);
  EXPECT_EQ(issue.pointer, "");
  EXPECT_EQ(issue.to_string().rfind("up.json:3:12: invalid JSON: ", 0), 0U) << issue.to_string();
}

TEST(ParseText, TruncatedInput) {
  const auto loaded = shipped().parse_template("{\"id\": [1, 2", "up.json");
  ASSERT_EQ(loaded.issues.size(), 1U);
  EXPECT_EQ(loaded.issues[0].line, 1);
  EXPECT_GT(loaded.issues[0].column, 1);
}

TEST(ParseText, EmptyInput) {
  const auto loaded = shipped().parse_template("", "up.json");
  ASSERT_EQ(loaded.issues.size(), 1U);
  EXPECT_EQ(loaded.issues[0].line, 1);
}

TEST(ParseText, TooLargeIsRefusedBeforeParsing) {
  std::string text = "{\"pad\": \"" + std::string(std::size_t{300} * 1024, 'x') + "\"}";
  const auto loaded = shipped().parse_template(text, "up.json");
  ASSERT_EQ(loaded.issues.size(), 1U);
  EXPECT_EQ(loaded.issues[0].message,
            "file is " + std::to_string(text.size()) + " bytes, over the limit of 262144 bytes");
}

TEST(ParseText, LimitsAreConfigurable) {
  const std::string text = test::read_text(test::fixture("base-days.json"));
  EXPECT_TRUE(shipped().parse_template(text, "up.json").ok());
  Limits tight;
  tight.max_bytes = 100;
  EXPECT_FALSE(shipped().parse_template(text, "up.json", tight).ok());
}

TEST(ParseText, TooDeepIsRefusedWithThePointer) {
  // 40 nested arrays under /days/0/items/0/title: the scan stops at depth 33.
  std::string nested = std::string(40, '[') + std::string(40, ']');
  json base = test::read_json(test::fixture("base-days.json"));
  std::string text = base.dump();
  const std::string marker = "\"Opening\"";
  text.replace(text.find(marker), marker.size(), nested);
  const auto loaded = shipped().parse_template(text, "up.json");
  ASSERT_EQ(loaded.issues.size(), 1U) << dump_issues(loaded.issues);
  EXPECT_EQ(loaded.issues[0].message, "nesting is deeper than the limit of 32 levels");
  // Depth 33 is reached at the 28th nested array: 1 root + 5 levels to title/en + 27 arrays.
  EXPECT_EQ(loaded.issues[0].pointer.rfind("/days/0/items/0/title/en/0/0/0", 0), 0U);
}

TEST(ParseText, DeepNestingDoesNotExhaustTheStack) {
  const std::string text = std::string(100'000, '[');
  const auto loaded = shipped().parse_template(text, "up.json");
  ASSERT_EQ(loaded.issues.size(), 1U);
  EXPECT_EQ(loaded.issues[0].message, "nesting is deeper than the limit of 32 levels");
}

TEST(ParseText, DuplicatePropertiesAreRefused) {
  std::string text = test::read_text(test::fixture("base-days.json"));
  text.insert(text.find('{') + 1, "\"id\": \"shadowed\",");
  const auto loaded = shipped().parse_template(text, "up.json");
  ASSERT_EQ(loaded.issues.size(), 1U) << dump_issues(loaded.issues);
  EXPECT_EQ(loaded.issues[0].pointer, "/id");
  EXPECT_NE(loaded.issues[0].message.find("duplicate property 'id'"), std::string::npos);
}

TEST(ParseText, RootMustBeAnObject) {
  const auto loaded = shipped().parse_template("[1, 2]", "up.json");
  ASSERT_EQ(loaded.issues.size(), 1U);
  EXPECT_EQ(loaded.issues[0].pointer, "");
  EXPECT_EQ(loaded.issues[0].message, "must be an object, not an array");
}

TEST(ParseText, InvalidUtf8IsASyntaxError) {
  const auto loaded = shipped().parse_template("{\"id\": \"\xff\"}", "up.json");
  ASSERT_EQ(loaded.issues.size(), 1U);
  EXPECT_GT(loaded.issues[0].line, 0);
}

TEST(LoadFile, MissingFile) {
  const auto result = validate_template_file("/nonexistent/t.json", shipped());
  ASSERT_EQ(result.issues.size(), 1U);
  EXPECT_EQ(result.issues[0].file, "/nonexistent/t.json");
  EXPECT_NE(result.issues[0].message.find("cannot read file"), std::string::npos);
}

TEST(LoadFile, UploadAndFileGiveTheSameErrors) {
  json doc = test::read_json(test::fixture("base-days.json"));
  doc["days"][0]["minutes"] = 80;
  const auto path = std::filesystem::temp_directory_path() / "napc-agendas-upload-test.json";
  std::ofstream(path) << doc.dump(2);
  const auto from_file = load_template_file(path, shipped());
  const auto from_upload = shipped().parse_template(doc.dump(), path.string());
  std::filesystem::remove(path);
  ASSERT_EQ(from_file.issues.size(), 1U);
  EXPECT_EQ(from_file.issues, from_upload.issues);
}

// Uploads are hostile: random byte edits and random JSON edits of a valid template must never
// crash the reader, and whatever it refuses comes with at least one issue.
TEST(Robustness, RandomMutationsAreRefusedCleanly) {
  const char* env = std::getenv("NAPC_SEED");
  const auto seed = env != nullptr ? std::strtoull(env, nullptr, 10) : 20260101ULL;
  std::mt19937_64 rng(seed);
  SCOPED_TRACE("repeat with NAPC_SEED=" + std::to_string(seed));
  const std::string base = test::read_text(test::fixture("base-days.json"));
  const std::string alphabet = "{}[]:,\"0123456789-.eEtrufalsn \\/x\xc3\xa9";
  for (int round = 0; round < 400; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const auto at = static_cast<std::size_t>(rng() % text.size());
      switch (rng() % 3) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1 + rng() % 8);
          break;
        default:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
      }
    }
    const auto loaded = shipped().parse_template(text, "fuzz.json");
    EXPECT_EQ(loaded.ok(), loaded.issues.empty());
  }
  // Structural edits: replace a random leaf with a value of another kind.
  const json doc = test::read_json(test::fixture("base-days.json"));
  std::vector<std::string> paths;
  const json flat = doc.flatten();  // items() refers to it: keep it alive
  for (const auto& [path, unused] : flat.items()) {
    (void)unused;
    paths.push_back(path);
  }
  const std::vector<json> values = {json(),        json(-1),       json(0),        json(1e9),
                                    json("x"),     json::array(),  json::object(), json(true),
                                    json("break"), json("consent")};
  for (int round = 0; round < 400; ++round) {
    json mutated = doc;
    mutated[json::json_pointer(paths[rng() % paths.size()])] = values[rng() % values.size()];
    const auto loaded = shipped().read_template(mutated, "fuzz.json");
    EXPECT_EQ(loaded.ok(), loaded.issues.empty());
  }
}

}  // namespace
}  // namespace napc::agendas
