// The shipped library: every template and the outline load and validate, and a consultation
// created from each template gets the agenda and the sections the template describes.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <agendas/library.hpp>

#include "test_util.hpp"

namespace napc::agendas {
namespace {

using test::shipped;

// domain.md §3, in order.
const std::vector<std::string> kOutlineKeys = {"acknowledgements",
                                               "glossary",
                                               "summary",
                                               "introduction",
                                               "scope",
                                               "situation",
                                               "legal_framework",
                                               "principles",
                                               "theory_of_change",
                                               "strategy",
                                               "strategy_prevention",
                                               "strategy_protection",
                                               "strategy_prosecution",
                                               "strategy_partnerships",
                                               "roles",
                                               "implementation",
                                               "budget",
                                               "governance",
                                               "me_framework",
                                               "risks",
                                               "evaluation",
                                               "annex_oversight_tor",
                                               "annex_consultations",
                                               "annex_stakeholders",
                                               "annex_legal_texts"};

struct Slot {
  std::string key;
  std::string start;  // "HH:MM"
  std::string end;
};

struct Expected {
  std::string id;
  ConsultationKind kind;
  Format format;
  Delivery delivery;
  std::vector<std::string> sections;
  std::vector<std::vector<std::string>> blocks;  // top-level item keys per day or phase
  std::vector<Slot> slots;                       // spot checks of computed times
};

const std::vector<Expected>& expectations() {
  static const std::vector<Expected> all = {
      {"national-validation-workshop",
       ConsultationKind::validation_workshop,
       Format::conference,
       Delivery::in_person,
       kOutlineKeys,
       {{"registration", "opening", "objectives", "concepts", "break_morning", "findings",
         "validation", "lunch", "pillar_groups", "break_afternoon", "report_back", "priority_vote",
         "next_steps", "closing"}},
       // domain.md §2.3 A, row by row.
       {{"registration", "08:30", "09:00"},
        {"opening", "09:00", "09:30"},
        {"objectives", "09:30", "09:50"},
        {"concepts", "09:50", "10:30"},
        {"findings", "10:45", "11:30"},
        {"validation", "11:30", "12:15"},
        {"lunch", "12:15", "13:15"},
        {"pillar_groups", "13:15", "14:45"},
        {"report_back", "15:00", "15:45"},
        {"priority_vote", "15:45", "16:15"},
        {"next_steps", "16:15", "16:45"},
        {"closing", "16:45", "17:00"},
        {"opening_workers", "09:20", "09:30"}}},
      {"drafting-workshop",
       ConsultationKind::drafting_workshop,
       Format::drafting,
       Delivery::in_person,
       kOutlineKeys,
       {{"registration", "opening", "training", "d1_break_morning", "case_exercise", "d1_lunch",
         "background_study", "theory_of_change", "d1_break_afternoon", "principles", "d1_wrap"},
        {"d2_recap", "drafting_groups", "d2_lunch", "swap_and_comment", "d2_break_afternoon",
         "report_back", "priority_vote", "vote_results", "d2_wrap"},
        {"d3_recap", "framework_groups", "framework_report", "d3_lunch", "roles", "oversight",
         "d3_break_afternoon", "acknowledgements_review", "next_steps", "evaluation", "closing"}},
       {{"training", "09:30", "11:00"},
        {"drafting_groups", "08:45", "12:00"},
        {"drafting_activities", "10:15", "11:45"},
        {"swap_and_comment", "13:00", "14:00"},
        {"priority_vote", "15:30", "16:15"},
        {"framework_groups", "08:45", "11:30"},
        {"closing", "16:40", "17:00"}}},
      {"regional-consultation",
       ConsultationKind::regional_consultation,
       Format::small_group,
       Delivery::hybrid,
       {"summary", "situation", "strategy_prevention", "strategy_protection",
        "strategy_prosecution", "strategy_partnerships", "roles", "regional_findings"},
       {{"opening", "draft_summary", "regional_mapping", "break", "local_input", "regional_vote",
         "anonymous_window", "closing"}},
       // domain.md §2.3 C: 15', 20', 45', 15', 60', 20', 15', 10'.
       {{"opening", "09:00", "09:15"},
        {"draft_summary", "09:15", "09:35"},
        {"regional_mapping", "09:35", "10:20"},
        {"local_input", "10:35", "11:35"},
        {"regional_vote", "11:35", "11:55"},
        {"anonymous_window", "11:55", "12:10"},
        {"closing", "12:10", "12:20"}}},
      {"written-consultation",
       ConsultationKind::written_consultation,
       Format::written,
       Delivery::asynchronous,
       kOutlineKeys,
       {{"publish_draft", "comments", "anonymous_route"},
        {"priority_ranking", "last_comments"},
        {"synthesis"}},
       {}},
      {"children-parallel-session",
       ConsultationKind::children_session,
       Format::small_group,
       Delivery::in_person,
       {"children_summary", "children_views"},
       {{"welcome", "getting_to_know", "what_is_the_plan", "snack", "small_groups", "ideas_wall",
         "what_matters_most", "what_happens_next"}},
       {{"welcome", "10:00", "10:20"}, {"what_happens_next", "12:45", "13:00"}}},
      {"labour-inspectors-5day",
       ConsultationKind::training_workshop,
       Format::small_group,
       Delivery::in_person,
       {"operational_guidelines", "inspection_report_form", "action_plan"},
       // S3 1615-1695: morning and afternoon sessions in the handbook's order.
       {{"welcome", "introductions", "course_overview", "definitions", "d1_break_am", "activity_1",
         "d1_lunch", "facts_figures", "video", "d1_break_pm", "activity_2", "d1_wrap"},
        {"d2_recap", "international_instruments", "d2_break_am", "activity_3", "d2_lunch",
         "regional_policies", "national_action_plans", "d2_break_pm", "activity_4", "d2_wrap"},
        {"d3_recap", "inspector_functions", "activity_5", "d3_break_am", "enforcement_challenges",
         "d3_lunch", "indicators", "activity_6", "d3_break_pm", "prosecution_penalties",
         "informal_economy"},
        {"treating_victims", "video_clips", "d4_break_am", "activity_7", "d4_lunch",
         "prevention_role", "monitoring_recruitment", "cooperation", "d4_break_pm", "activity_8"},
        {"d5_working_groups", "d5_lunch", "d5_reports", "d5_break", "d5_course_evaluation",
         "d5_closing"}},
       {{"welcome", "09:00", "09:20"},
        {"d5_working_groups", "09:00", "12:00"},
        {"d5_wg_exchange", "10:45", "11:15"},
        {"d5_reports", "13:00", "14:30"}}},
      {"labour-inspectors-3day",
       ConsultationKind::training_workshop,
       Format::small_group,
       Delivery::in_person,
       {"operational_guidelines", "inspection_report_form", "action_plan"},
       // S3 1696-1742.
       {{"welcome", "introductions", "course_overview", "definitions", "d1_break_am",
         "facts_figures", "d1_lunch", "international_instruments", "action_plans", "d1_break_pm",
         "activity_3", "d1_wrap"},
        {"indicators", "activity_6", "d2_break_am", "prosecution_penalties", "d2_lunch",
         "victim_protection", "prevention_activities", "d2_break_pm", "cooperation", "d2_wrap"},
        {"d3_working_groups", "d3_lunch", "d3_reports", "d3_break", "d3_course_evaluation",
         "d3_closing"}},
       {{"facts_figures", "11:05", "12:00"}, {"d3_closing", "15:15", "15:35"}}},
  };
  return all;
}

TEST(Library, ShippedFilesLoadWithoutIssues) {
  for (const auto& issue : shipped().issues()) {
    ADD_FAILURE() << issue.to_string();
  }
  EXPECT_EQ(shipped().list().size(), expectations().size());
  ASSERT_NE(shipped().outline("nap-forced-labour"), nullptr);
  EXPECT_EQ(shipped().option_sets().size(), 4U);
}

TEST(Library, ListIsSortedAndFindWorks) {
  const auto& list = shipped().list();
  for (std::size_t i = 1; i < list.size(); ++i) {
    EXPECT_LT(list[i - 1].id, list[i].id);
  }
  EXPECT_NE(shipped().find("drafting-workshop"), nullptr);
  EXPECT_EQ(shipped().find("no-such-template"), nullptr);
  EXPECT_EQ(shipped().outline("no-such-outline"), nullptr);
  EXPECT_EQ(shipped().option_set("priorities/remedies"), nullptr);
}

TEST(Library, EveryExpectedTemplateIsShipped) {
  for (const auto& e : expectations()) {
    EXPECT_NE(shipped().find(e.id), nullptr) << e.id;
  }
}

class ShippedTemplate : public ::testing::TestWithParam<Expected> {};

std::map<std::string, AgendaEntry> by_key(const std::vector<AgendaEntry>& agenda) {
  std::map<std::string, AgendaEntry> out;
  for (const auto& e : agenda) {
    out[e.item->key] = e;
  }
  return out;
}

TEST_P(ShippedTemplate, HasTheSectionsItDescribes) {
  const Expected& e = GetParam();
  const Template* tpl = shipped().find(e.id);
  ASSERT_NE(tpl, nullptr);
  std::vector<std::string> keys;
  for (const auto& s : consultation_sections(*tpl)) {
    keys.push_back(s.key);
  }
  EXPECT_EQ(keys, e.sections);
}

TEST_P(ShippedTemplate, HasTheAgendaItDescribes) {
  const Expected& e = GetParam();
  const Template* tpl = shipped().find(e.id);
  ASSERT_NE(tpl, nullptr);
  EXPECT_EQ(tpl->kind, e.kind);
  EXPECT_EQ(tpl->format, e.format);
  EXPECT_EQ(tpl->delivery, e.delivery);
  std::vector<std::vector<std::string>> blocks;
  for (const auto& day : tpl->days) {
    blocks.emplace_back();
    for (const auto& item : day.items) {
      blocks.back().push_back(item.key);
    }
  }
  for (const auto& phase : tpl->phases) {
    blocks.emplace_back();
    for (const auto& item : phase.items) {
      blocks.back().push_back(item.key);
    }
  }
  EXPECT_EQ(blocks, e.blocks);
  const auto agenda = by_key(flatten_agenda(*tpl));
  for (const auto& slot : e.slots) {
    const auto it = agenda.find(slot.key);
    ASSERT_NE(it, agenda.end()) << slot.key;
    EXPECT_EQ(format_clock(it->second.start_minute), slot.start) << slot.key;
    EXPECT_EQ(format_clock(it->second.end_minute), slot.end) << slot.key;
  }
}

// Invariants a server can rely on when it creates a consultation from any shipped template.
TEST_P(ShippedTemplate, AgendaIsConsistent) {
  const Template* tpl = shipped().find(GetParam().id);
  ASSERT_NE(tpl, nullptr);
  const auto agenda = flatten_agenda(*tpl);
  ASSERT_FALSE(agenda.empty());
  std::vector<int> next_start;  // per block, next top-level start
  for (const auto& day : tpl->days) {
    next_start.push_back(day.start_minute);
  }
  for (std::size_t i = 0; i < agenda.size(); ++i) {
    const AgendaEntry& a = agenda[i];
    EXPECT_EQ(a.position, i);
    ASSERT_NE(a.item, nullptr);
    if (a.parent) {
      ASSERT_LT(*a.parent, i);
      const AgendaEntry& parent = agenda[*a.parent];
      EXPECT_EQ(a.depth, parent.depth + 1);
      EXPECT_GE(a.start_minute, parent.start_minute) << a.item->key;
      EXPECT_LE(a.end_minute, parent.end_minute) << a.item->key;
    } else if (!tpl->asynchronous()) {
      // Top-level items follow each other without gaps and stay inside their day.
      EXPECT_EQ(a.start_minute, next_start[a.block]) << a.item->key;
      next_start[a.block] = a.end_minute;
      const Day& day = tpl->days[a.block];
      EXPECT_LE(a.end_minute, day.start_minute + day.minutes) << a.item->key;
    } else {
      const Phase& phase = tpl->phases[a.block];
      EXPECT_EQ(a.start_minute, phase.offset_days * 24 * 60);
      EXPECT_EQ(a.end_minute, (phase.offset_days + phase.length_days) * 24 * 60);
    }
    if (!tpl->asynchronous()) {
      EXPECT_GT(a.item->planned_minutes, 0) << a.item->key;
      EXPECT_EQ(a.end_minute - a.start_minute, a.item->planned_minutes);
    }
  }
}

TEST_P(ShippedTemplate, LinksPollsAndGroupsAreUsable) {
  const Template* tpl = shipped().find(GetParam().id);
  ASSERT_NE(tpl, nullptr);
  std::set<std::string> used;
  for (const auto& entry : flatten_agenda(*tpl)) {
    const Item& item = *entry.item;
    for (const auto& key : item.sections) {
      EXPECT_NE(tpl->find_section(key), nullptr) << item.key << " → " << key;
      used.insert(key);
    }
    for (const auto& group : item.groups) {
      for (const auto& key : group.sections) {
        const Section* s = tpl->find_section(key);
        ASSERT_NE(s, nullptr) << group.key << " → " << key;
        if (group.pillar != Pillar::none) {
          EXPECT_EQ(s->pillar, group.pillar) << group.key << " → " << key;
        }
      }
    }
    if (item.kind == ItemKind::vote) {
      EXPECT_FALSE(item.polls.empty()) << item.key;
    }
    for (const auto& poll : item.polls) {
      if (poll.method == PollMethod::consent) {
        EXPECT_TRUE(poll.options.empty()) << poll.key;
      } else {
        EXPECT_GE(poll.options.size(), 2U) << poll.key;
      }
    }
  }
  // Each template puts at least one of its sections to work.
  EXPECT_FALSE(used.empty());
}

TEST_P(ShippedTemplate, CitesItsBasisAndSaysWhenReconstructed) {
  const Template* tpl = shipped().find(GetParam().id);
  ASSERT_NE(tpl, nullptr);
  EXPECT_FALSE(tpl->basis.sources.empty());
  // Every shipped template rests on domain.md, which marks times as reconstructed.
  EXPECT_TRUE(tpl->basis.reconstructed);
  EXPECT_NE(tpl->basis.note.en.find("RECONSTRUCTED"), std::string::npos);
  EXPECT_NE(tpl->basis.note.fr.find("RECONSTITUÉ"), std::string::npos);
  EXPECT_NE(tpl->basis.note.es.find("RECONSTRUIDO"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Shipped, ShippedTemplate, ::testing::ValuesIn(expectations()),
                         [](const ::testing::TestParamInfo<Expected>& p) {
                           std::string name = p.param.id;
                           for (char& c : name) {
                             c = c == '-' ? '_' : c;
                           }
                           return name;
                         });

TEST(Outline, HasTheSectionsOfDomainSection3) {
  const Outline* outline = shipped().outline("nap-forced-labour");
  ASSERT_NE(outline, nullptr);
  std::vector<std::string> keys;
  for (const auto& s : outline->sections) {
    keys.push_back(s.key);
  }
  EXPECT_EQ(keys, kOutlineKeys);
  EXPECT_TRUE(outline->basis.reconstructed);
  EXPECT_EQ(outline->find("strategy_prevention")->pillar, Pillar::prevention);
  EXPECT_EQ(outline->find("strategy_protection")->pillar, Pillar::protection);
  EXPECT_EQ(outline->find("strategy_prosecution")->pillar, Pillar::prosecution);
  EXPECT_EQ(outline->find("strategy_partnerships")->pillar, Pillar::partnerships);
  EXPECT_EQ(outline->find("situation")->pillar, Pillar::none);
  EXPECT_EQ(outline->find("acknowledgements")->generated_from, GeneratedFrom::consultation_record);
  EXPECT_TRUE(outline->find("annex_legal_texts")->editors.empty());
}

std::vector<std::string> column_keys(const Section& s) {
  std::vector<std::string> out;
  for (const auto& c : s.document.columns) {
    out.push_back(c.key);
  }
  return out;
}

TEST(Outline, StructuredSectionsAreTypedTables) {
  const Outline* outline = shipped().outline("nap-forced-labour");
  ASSERT_NE(outline, nullptr);
  for (const char* key : {"implementation", "budget", "me_framework", "risks"}) {
    EXPECT_EQ(outline->find(key)->document.kind, DocumentKind::table) << key;
  }
  for (const char* key : {"summary", "strategy_prevention", "roles", "governance"}) {
    EXPECT_EQ(outline->find(key)->document.kind, DocumentKind::richtext) << key;
  }
  // The M&E framework columns the issue lists, in the Guidance Manual's order [S0 2173-2185].
  const auto me = column_keys(*outline->find("me_framework"));
  std::vector<std::string> wanted = {
      "indicator", "baseline",    "target",        "means_of_verification",
      "frequency", "responsible", "disaggregation"};
  std::size_t next = 0;
  for (const auto& key : me) {
    if (next < wanted.size() && key == wanted[next]) {
      ++next;
    }
  }
  EXPECT_EQ(next, wanted.size()) << "M&E columns missing or out of order";
  const auto& cols = outline->find("me_framework")->document.columns;
  for (const auto& c : cols) {
    if (c.key == "disaggregation") {
      EXPECT_EQ(c.type, ColumnType::choices);
      std::set<std::string> keys;
      for (const auto& choice : c.choices) {
        keys.insert(choice.key);
      }
      EXPECT_EQ(keys, (std::set<std::string>{"sex", "age", "region", "district", "nationality"}));
    }
    if (c.key == "frequency") {
      EXPECT_EQ(c.type, ColumnType::choice);
      EXPECT_TRUE(c.required);
    }
  }
  // The budget refers to rows of the implementation framework.
  for (const auto& c : outline->find("budget")->document.columns) {
    if (c.key == "activity") {
      EXPECT_EQ(c.type, ColumnType::row_ref);
      EXPECT_EQ(c.ref_section, "implementation");
    }
  }
}

TEST(OptionSets, OnePerPillarEachCitingTheProtocolOrR203) {
  for (const auto pillar :
       {Pillar::prevention, Pillar::protection, Pillar::prosecution, Pillar::partnerships}) {
    const std::string id = "priorities/" + std::string(to_string(pillar));
    const OptionSet* set = shipped().option_set(id);
    ASSERT_NE(set, nullptr) << id;
    EXPECT_EQ(set->pillar, pillar);
    EXPECT_GE(set->options.size(), 8U) << id;
    for (const auto& option : set->options) {
      EXPECT_NE(option.basis.find("S0 "), std::string::npos) << option.key;
    }
  }
}

TEST(Library, PollOptionSetsAreResolvedIntoTemplates) {
  const Template* tpl = shipped().find("national-validation-workshop");
  ASSERT_NE(tpl, nullptr);
  const Poll* poll = nullptr;
  for (const auto& entry : flatten_agenda(*tpl)) {
    for (const auto& p : entry.item->polls) {
      if (p.key == "priorities_protection") {
        poll = &p;
      }
    }
  }
  ASSERT_NE(poll, nullptr);
  EXPECT_EQ(poll->option_set, "priorities/protection");
  EXPECT_EQ(poll->method, PollMethod::dot);
  EXPECT_EQ(poll->dots, 5);
  EXPECT_EQ(poll->max_dots_per_option, 2);
  EXPECT_EQ(poll->options.size(), shipped().option_set("priorities/protection")->options.size());
}

// A scratch copy of the data directory.
class ScratchDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("napc-agendas-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::copy(test::data_dir(), dir_, std::filesystem::copy_options::recursive);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel, std::ios::binary) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(ScratchDir, BrokenTemplateIsLeftOutAndReported) {
  write("templates/broken.json", "{\"schema_version\": 1,");
  const Library lib = Library::load(dir_);
  EXPECT_EQ(lib.list().size(), shipped().list().size());
  ASSERT_EQ(lib.issues().size(), 1U);
  EXPECT_NE(lib.issues()[0].file.find("broken.json"), std::string::npos);
  EXPECT_GT(lib.issues()[0].line, 0);
}

TEST_F(ScratchDir, TemplateIdMustMatchFileName) {
  std::filesystem::rename(dir_ / "templates/written-consultation.json",
                          dir_ / "templates/written.json");
  const Library lib = Library::load(dir_);
  EXPECT_EQ(lib.find("written-consultation"), nullptr);
  ASSERT_EQ(lib.issues().size(), 1U);
  EXPECT_EQ(lib.issues()[0].pointer, "/id");
  EXPECT_NE(lib.issues()[0].message.find("does not match the file name"), std::string::npos);
}

TEST_F(ScratchDir, BrokenOutlineFailsTheTemplatesThatNeedIt) {
  write("outlines/nap-forced-labour.json", "[]");
  const Library lib = Library::load(dir_);
  EXPECT_TRUE(lib.outlines().empty());
  EXPECT_TRUE(lib.list().empty());
  EXPECT_FALSE(lib.issues().empty());
}

TEST(Library, MissingDirectoryIsAnIssueNotACrash) {
  const Library lib = Library::load("/nonexistent/napc-agendas");
  EXPECT_TRUE(lib.list().empty());
  EXPECT_EQ(lib.issues().size(), 3U);  // outlines/, options/, templates/
}

TEST(Library, DefaultDirHonoursEnvironment) {
  const char* old = std::getenv("NAPC_AGENDAS_DIR");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("NAPC_AGENDAS_DIR", "/tmp/elsewhere", 1);
  EXPECT_EQ(default_dir(), std::filesystem::path("/tmp/elsewhere"));
  ::setenv("NAPC_AGENDAS_DIR", "", 1);
  EXPECT_EQ(default_dir(), std::filesystem::path(NAPC_AGENDAS_DIR));
  if (old != nullptr) {
    ::setenv("NAPC_AGENDAS_DIR", saved.c_str(), 1);
  } else {
    ::unsetenv("NAPC_AGENDAS_DIR");
  }
}

}  // namespace
}  // namespace napc::agendas
