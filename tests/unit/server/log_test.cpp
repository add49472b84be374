// The log (server/log): the line format and its escaping, the level threshold, redaction, the
// sink, and that lines written from many threads never interleave.
#include "log/log.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "consult/crypto.hpp"

namespace napc::log {
namespace {

// A token is not representable as a field (the policy in log/log.hpp).
static_assert(!std::is_constructible_v<Field, Name, consult::Token>);
static_assert(!std::is_constructible_v<Field, Name, const consult::Token&>);
static_assert(std::is_constructible_v<Field, Name, std::string>);

class Capture final : public Sink {
 public:
  void write(std::string_view line) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    capture_ = std::make_shared<Capture>();
    set_sink(capture_);
    set_level(Level::debug);
  }
  void TearDown() override {
    set_sink(nullptr);
    set_level(Level::info);
  }
  std::shared_ptr<Capture> capture_;
};

// 2025-01-31T09:15:02.481Z
const auto kAt = std::chrono::system_clock::time_point(std::chrono::milliseconds(1738314902481));

std::string line(std::initializer_list<Field> fields) {
  return format_line(kAt, Level::warn, "some_event", fields);
}

TEST(LogFormat, HeadIsTimestampLevelEvent) {
  EXPECT_EQ(line({}), "ts=2025-01-31T09:15:02.481Z level=warn event=some_event\n");
}

TEST(LogFormat, TypedFields) {
  EXPECT_EQ(line({{"n", 42},
                  {"neg", -7},
                  {"big", std::uint64_t{18446744073709551615ULL}},
                  {"ok", true},
                  {"rate", 2.5},
                  {"word", "plain"}}),
            "ts=2025-01-31T09:15:02.481Z level=warn event=some_event n=42 neg=-7 "
            "big=18446744073709551615 ok=true rate=2.5 word=plain\n");
}

TEST(LogFormat, DurationsInMilliseconds) {
  using namespace std::chrono_literals;
  EXPECT_EQ(line({{"took", 12500us}, {"wait", 3s}, {"tiny", 1ns}}),
            "ts=2025-01-31T09:15:02.481Z level=warn event=some_event took=12.5ms wait=3000ms "
            "tiny=0ms\n");
}

TEST(LogFormat, ErrorCodesAndExceptions) {
  const auto ec = std::make_error_code(std::errc::connection_reset);
  const auto got = line({{"error", ec}, {"what", std::runtime_error("disk full")}});
  EXPECT_NE(got.find("error=\"generic:104 "), std::string::npos) << got;
  EXPECT_NE(got.find("what=\"disk full\""), std::string::npos) << got;
}

TEST(LogFormat, QuotesAndEscapesWhatWouldSplitOrConfuseALine) {
  EXPECT_EQ(line({{"v", "a b"}}).substr(56), "v=\"a b\"\n");
  EXPECT_EQ(line({{"v", "k=v"}}).substr(56), "v=\"k=v\"\n");
  EXPECT_EQ(line({{"v", "say \"hi\""}}).substr(56), "v=\"say \\\"hi\\\"\"\n");
  EXPECT_EQ(line({{"v", "back\\slash"}}).substr(56), "v=\"back\\\\slash\"\n");
  EXPECT_EQ(line({{"v", "two\nlines\r\tx"}}).substr(56), "v=\"two\\nlines\\r\\tx\"\n");
  EXPECT_EQ(line({{"v", std::string("nul\0bell\a", 9)}}).substr(56), "v=\"nul\\x00bell\\x07\"\n");
  EXPECT_EQ(line({{"v", ""}}).substr(56), "v=\"\"\n");
  EXPECT_EQ(line({{"v", "caf\xc3\xa9"}}).substr(56), "v=caf\xc3\xa9\n");
}

TEST(LogFormat, OneLineWhateverTheValues) {
  std::string nasty;
  for (int c = 0; c < 256; ++c) nasty += static_cast<char>(c);
  const auto got = line({{"v", nasty}, {"w", "\n\n\n"}});
  EXPECT_EQ(got.find('\n'), got.size() - 1);
  EXPECT_EQ(got.find('\r'), std::string::npos);
}

TEST(LogFormat, LongValuesAreCut) {
  const auto got = line({{"v", std::string(5000, '.')}});
  EXPECT_LT(got.size(), kMaxValueBytes + 100);
  EXPECT_NE(got.find("...\n"), std::string::npos);
}

TEST(LogFormat, TokenAndCodeShapedTextIsRedacted) {
  const auto token = consult::new_token();
  const auto got = line({{"error", "bad token " + token + " for you"},
                         {"raw", token},
                         {"code", "use ABCDE-23456 now"},
                         {"path", "/ws/doc/x?token=" + token}});
  EXPECT_EQ(got.find(token), std::string::npos) << got;
  EXPECT_EQ(got.find("ABCDE-23456"), std::string::npos) << got;
  EXPECT_NE(got.find("error=\"bad token [redacted] for you\""), std::string::npos) << got;
  EXPECT_NE(got.find("raw=[redacted]"), std::string::npos) << got;
  EXPECT_NE(got.find("code=\"use [redacted] now\""), std::string::npos) << got;
  // Ordinary names pass: ids, document names, words.
  EXPECT_NE(line({{"document", "Ab3dEf9hJk/roles"}}).find("document=Ab3dEf9hJk/roles"),
            std::string::npos);
}

TEST(LogLevel, ParseAndPrint) {
  for (const auto l : {Level::debug, Level::info, Level::warn, Level::error}) {
    EXPECT_EQ(parse_level(to_string(l)), l);
  }
  EXPECT_FALSE(parse_level("verbose"));
  EXPECT_FALSE(parse_level("INFO"));
}

TEST_F(LogTest, ThresholdDropsLowerLevels) {
  set_level(Level::warn);
  debug("a");
  info("b");
  warn("c");
  error("d");
  const auto lines = capture_->lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("level=warn event=c"), std::string::npos);
  EXPECT_NE(lines[1].find("level=error event=d"), std::string::npos);
  EXPECT_FALSE(enabled(Level::info));
  EXPECT_TRUE(enabled(Level::error));
}

TEST_F(LogTest, EveryLineParses) {
  info("joined", {{"consultation", "abc"}, {"role", "drafter"}});
  warn("x", {{"error", "a \"quoted\" = thing\n"}});
  const std::regex format(
      R"(^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(debug|info|warn|error) )"
      R"(event=[a-z][a-z0-9_]*( [a-z][a-z0-9_]*=([^ "=\\[:cntrl:]]+|"([^"\\[:cntrl:]]|\\.)*"))*\n$)");
  for (const auto& l : capture_->lines()) EXPECT_TRUE(std::regex_match(l, format)) << l;
}

TEST_F(LogTest, AnonymousLogCarriesOnlyCountsAndDurations) {
  using namespace std::chrono_literals;
  AnonymousLog::write(Level::info, "comments_released", {{"comments", 12}, {"held_for", 30s}});
  const auto lines = capture_->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("event=comments_released comments=12 held_for=30000ms\n"),
            std::string::npos)
      << lines[0];
  // AnonymousLog::write(..., {{"participant", 3}}) or {{"author_id", 3}} does not compile.
  static_assert(detail::identifies_someone("participant"));
  static_assert(detail::identifies_someone("author_id"));
  static_assert(detail::identifies_someone("peer_address"));
  static_assert(!detail::identifies_someone("comments"));
}

std::string words(char c) {
  std::string out;
  for (int i = 0; i < 100; ++i) out += std::string(1, c) + ' ';
  return out;
}

TEST_F(LogTest, LinesFromManyThreadsNeverInterleave) {
  constexpr int kThreads = 8;
  constexpr int kLines = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      // Spaces keep it from looking like a token (which would be redacted).
      const auto payload = words(static_cast<char>('a' + t));
      for (int i = 0; i < kLines; ++i)
        info("tick", {{"thread", t}, {"i", i}, {"payload", payload}});
    });
  }
  for (auto& th : threads) th.join();
  const auto lines = capture_->lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  for (const auto& l : lines) {
    ASSERT_EQ(l.find('\n'), l.size() - 1);
    const auto at = l.find(" thread=");
    ASSERT_NE(at, std::string::npos);
    const char mine = static_cast<char>('a' + (l[at + 8] - '0'));
    EXPECT_NE(l.find("payload=\"" + words(mine) + "\"\n"), std::string::npos) << l;
  }
}

TEST_F(LogTest, DefaultSinkIsRestored) {
  set_sink(nullptr);
  EXPECT_NO_THROW(error("goes_to_stderr", {{"n", 1}}));
  set_sink(capture_);
}

}  // namespace
}  // namespace napc::log
