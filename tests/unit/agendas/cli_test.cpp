// `napconsult agendas list|show|validate|outline`, run in-process through run_cli.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <agendas/cli.hpp>

#include "test_util.hpp"

namespace napc::agendas {
namespace {

struct Run {
  int rc;
  std::string out;
  std::string err;
};

Run run(std::vector<std::string> args) {
  args.push_back("--dir");
  args.push_back(test::data_dir());
  std::vector<std::string_view> views(args.begin(), args.end());
  std::ostringstream out;
  std::ostringstream err;
  const int rc = run_cli(views, out, err);
  return {rc, out.str(), err.str()};
}

TEST(Cli, ListPrintsIdAndTitle) {
  const auto r = run({"list"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("national-validation-workshop      One-day national validation workshop\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("labour-inspectors-5day"), std::string::npos);
}

TEST(Cli, ListInFrench) {
  const auto r = run({"list", "--lang", "fr"});
  EXPECT_NE(r.out.find("Atelier national de validation d'une journée"), std::string::npos);
}

TEST(Cli, ShowComputesTimesFromDayStartAndMinutes) {
  const auto r = run({"show", "national-validation-workshop"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("Day 1 (day1) — Validation day · 08:30–17:00 (510')"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("15:45–16:15 30'   vote         Priority vote per P"), std::string::npos)
      << r.out;
  // Sub-items are indented under their parent, with their own times.
  EXPECT_NE(r.out.find("      09:20–09:30 10'   presentation Workers' organizations"),
            std::string::npos);
  EXPECT_NE(r.out.find("RECONSTRUCTED"), std::string::npos);
}

TEST(Cli, ShowInSpanish) {
  const auto r = run({"show", "drafting-workshop", "--lang", "es"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("Día 2 (day2) — Redacción de la estrategia de las 4 P"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("RECONSTRUIDO"), std::string::npos);
  EXPECT_EQ(r.out.find("Priority vote"), std::string::npos);
}

TEST(Cli, ShowWrittenConsultationPhases) {
  const auto r = run({"show", "written-consultation", "--lang", "fr"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("Phase 2 (ranking) — Classement des priorités et derniers commentaires · "
                       "à partir du jour 15, 7 jours"),
            std::string::npos)
      << r.out;
}

TEST(Cli, ShowAFile) {
  const auto r = run({"show", test::fixture("base-days.json")});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("fixture-days — Fixture workshop"), std::string::npos);
}

TEST(Cli, ShowUnknown) {
  const auto r = run({"show", "nope"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("no template or file 'nope'"), std::string::npos);
}

TEST(Cli, ValidateShippedAndFixtureFiles) {
  std::vector<std::string> args = {"validate", test::fixture("base-days.json")};
  for (const auto& entry : std::filesystem::directory_iterator(test::data_dir() + "/templates")) {
    args.push_back(entry.path().string());
  }
  const auto r = run(args);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(test::fixture("base-days.json") + ": OK\n"), std::string::npos);
}

TEST(Cli, ValidatePrintsOneLinePerError) {
  auto doc = test::read_json(test::fixture("base-days.json"));
  doc["days"][0]["items"][3]["planned_minutes"] = 31;
  doc["days"][0]["items"][0]["kind"] = "talk";
  const auto path = (std::filesystem::temp_directory_path() / "napc-cli-bad.json").string();
  std::ofstream(path) << doc.dump(2);
  const auto r = run({"validate", path});
  std::filesystem::remove(path);
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.out, path +
                       ":/days/0/items/0/kind: 'talk' is not a valid item kind; expected one of: "
                       "presentation, plenary, breakout, drafting, vote, qa, break, admin\n" +
                       path +
                       ":/days/0/items/3: item 'closing' runs 10:30–11:01 and overruns day 'day1' "
                       "(09:00–11:00, 120 min): items up to here total 121 min\n");
}

TEST(Cli, ValidateSyntaxErrorUsesLineAndColumn) {
  const auto path = (std::filesystem::temp_directory_path() / "napc-cli-syntax.json").string();
  std::ofstream(path) << "{\n  \"id\": 1,,\n}";
  const auto r = run({"validate", path});
  std::filesystem::remove(path);
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.out.rfind(path + ":2:11: invalid JSON: ", 0), 0U) << r.out;
}

TEST(Cli, OutlineListsSections) {
  const auto r = run({"outline", "--lang", "fr"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("15.1  me_framework"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Cadre de suivi et d'évaluation [tableau, 15 colonnes]"), std::string::npos);
}

TEST(Cli, UsageErrors) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run_cli({}, out, err), 2);
  EXPECT_NE(err.str().find("usage: napconsult agendas"), std::string::npos);
  EXPECT_EQ(run({"frobnicate"}).rc, 2);
  EXPECT_EQ(run({"list", "--lang", "de"}).rc, 2);
  EXPECT_EQ(run({"list", "--verbose"}).rc, 2);
  EXPECT_EQ(run({"validate"}).rc, 2);
  EXPECT_EQ(run({"show"}).rc, 2);
  const std::vector<std::string_view> help = {"help"};
  std::ostringstream hout;
  EXPECT_EQ(run_cli(help, hout, err), 0);
  EXPECT_NE(hout.str().find("validate FILE"), std::string::npos);
}

}  // namespace
}  // namespace napc::agendas
