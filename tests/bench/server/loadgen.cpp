// loadgen: the C++ load generator of the fan-out benchmark (tests/bench/server/run.mjs drives it).
//
// N WebSocket clients speak the y-websocket protocol (or Hocuspocus's framing) to one server on
// loopback. Each client keeps no document: it answers the server's sync step 1 with an empty
// step 2 and sends one-character Yjs V1 updates chained on its own previous item, so nothing
// ever goes pending on the server. Receivers decode every struct header of every update they get
// (a server may merge several updates into one frame), count each (client, clock) once and take
// latency = receipt time - intended send time of that (client, clock). Awareness (cursor)
// updates are timed the same way by (client, awareness clock).
//
// Modes (--mode):
//   fanout  N clients in one room, --rate updates/s each (+ --aw-rate awareness/s); warm-up,
//           measured window, drain; one JSON line of results.
//   idle    N clients connect and sync, print {"event":"ready"}, hold --hold seconds (or until
//           stdin closes), then report.
//   docs    client i connects to room i, sends --file (a V1 update, e.g. a snapshot), waits until
//           the server holds it, then all hold like idle.
//   push    one client sends the first --count length-prefixed updates of --file (u32 LE
//           length + V1 update), then waits until the server's state covers them.
//   cold    one client: time from the TCP connect to holding a state that covers
//           --expect-client/--expect-clock (from step 2 or from later updates).
//   selftest checks the update walker and the histogram on fixed vectors.
//   seedlog (only when built with SQLite) write the first --count updates of --file straight
//           into napconsult's update log (--db, --doc; document_log from schema version 3,
//           document_updates before): an uncompacted log.
//
// Every output line on stdout is one JSON object; events carry "event", the last line is the
// result. Bounded: --max-seconds stops everything. Only loopback addresses are accepted.
#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#ifdef NAPC_LOADGEN_SQLITE
#include <sqlite3.h>
#endif

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

namespace napc::bench {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// ---------------------------------------------------------------------------------------------
// lib0 encoding

void put_varuint(Bytes& out, std::uint64_t v) {
  while (v > 0x7f) {
    out.push_back(static_cast<std::uint8_t>(0x80 | (v & 0x7f)));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_varstring(Bytes& out, std::string_view s) {
  put_varuint(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void put_varbytes(Bytes& out, const std::uint8_t* p, std::size_t n) {
  put_varuint(out, n);
  out.insert(out.end(), p, p + n);
}

struct Reader {
  const std::uint8_t* p;
  const std::uint8_t* end;
  bool ok = true;

  bool empty() const { return p >= end; }
  std::uint8_t u8() {
    if (p >= end) {
      ok = false;
      return 0;
    }
    return *p++;
  }
  std::uint64_t varuint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) {
        ok = false;
        return 0;
      }
      const std::uint8_t b = *p++;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok = false;
    return 0;
  }
  void varint() {  // lib0 varInt: sign in bit 6 of the first byte; value not needed here
    std::uint8_t b = u8();
    while (ok && (b & 0x80)) b = u8();
  }
  std::string_view bytes(std::size_t n) {
    if (static_cast<std::size_t>(end - p) < n) {
      ok = false;
      p = end;
      return {};
    }
    std::string_view s(reinterpret_cast<const char*>(p), n);
    p += n;
    return s;
  }
  std::string_view varstring() { return bytes(varuint()); }
  void skip(std::size_t n) { bytes(n); }
};

// Length of a UTF-8 string in UTF-16 code units (Yjs string clocks count those).
std::uint64_t utf16_length(std::string_view s) {
  std::uint64_t n = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xc0) != 0x80) n += 1;  // a lead byte or ASCII
    if (c >= 0xf0) n += 1;           // 4-byte sequence: a surrogate pair
  }
  return n;
}

// lib0 Any (only skipped).
void skip_any(Reader& r, int depth = 0) {
  if (depth > 64) {
    r.ok = false;
    return;
  }
  switch (r.u8()) {
    case 127:  // undefined
    case 126:  // null
    case 121:  // false
    case 120:  // true
      return;
    case 125:  // varInt
      return r.varint();
    case 124:  // float32
      return r.skip(4);
    case 123:  // float64
    case 122:  // bigint64
      return r.skip(8);
    case 119:  // string
      r.varstring();
      return;
    case 118: {  // object
      const auto n = r.varuint();
      for (std::uint64_t i = 0; i < n && r.ok; ++i) {
        r.varstring();
        skip_any(r, depth + 1);
      }
      return;
    }
    case 117: {  // array
      const auto n = r.varuint();
      for (std::uint64_t i = 0; i < n && r.ok; ++i) skip_any(r, depth + 1);
      return;
    }
    case 116:  // Uint8Array
      r.varstring();
      return;
    default:
      r.ok = false;
  }
}

// Walks the struct headers of a V1 update: f(client, clock, length) for every GC or Item.
// Returns false if the update does not decode.
template <class F>
bool for_each_struct(const std::uint8_t* p, std::size_t n, F&& f) {
  Reader r{p, p + n};
  const auto clients = r.varuint();
  for (std::uint64_t c = 0; c < clients && r.ok; ++c) {
    const auto structs = r.varuint();
    const auto client = r.varuint();
    auto clock = r.varuint();
    for (std::uint64_t s = 0; s < structs && r.ok; ++s) {
      const std::uint8_t info = r.u8();
      const int kind = info & 0x1f;
      std::uint64_t len = 0;
      if (kind == 0) {  // GC
        len = r.varuint();
        if (r.ok) f(client, clock, len);
        clock += len;
        continue;
      }
      if (kind == 10) {  // Skip: not present in this update
        clock += r.varuint();
        continue;
      }
      if (info & 0x80) r.varuint(), r.varuint();  // origin
      if (info & 0x40) r.varuint(), r.varuint();  // right origin
      if ((info & 0xc0) == 0) {
        if (r.varuint() == 1) {
          r.varstring();  // root type name
        } else {
          r.varuint(), r.varuint();  // parent item id
        }
        if (info & 0x20) r.varstring();  // parentSub
      }
      switch (kind) {
        case 1:  // deleted
          len = r.varuint();
          break;
        case 2: {  // JSON
          len = r.varuint();
          for (std::uint64_t i = 0; i < len && r.ok; ++i) r.varstring();
          break;
        }
        case 3:  // binary
          r.varstring();
          len = 1;
          break;
        case 4:  // string
          len = utf16_length(r.varstring());
          break;
        case 5:  // embed
          r.varstring();
          len = 1;
          break;
        case 6:  // format
          r.varstring();
          r.varstring();
          len = 1;
          break;
        case 7: {  // type
          const auto ref = r.varuint();
          if (ref == 3 || ref == 5) r.varstring();  // XmlElement name, XmlHook name
          len = 1;
          break;
        }
        case 8: {  // any
          len = r.varuint();
          for (std::uint64_t i = 0; i < len && r.ok; ++i) skip_any(r);
          break;
        }
        case 9:  // subdocument
          r.varstring();
          skip_any(r);
          len = 1;
          break;
        default:
          return false;
      }
      if (!r.ok) return false;
      f(client, clock, len);
      clock += len;
    }
  }
  return r.ok;
}

// ---------------------------------------------------------------------------------------------
// Latency histogram: exact below 2048 us, then 1024 sub-buckets per power of two (0.1 %).

class Histogram {
 public:
  Histogram() : counts_(2048 + 40 * 1024, 0) {}
  void record_ns(std::int64_t ns) {
    const std::uint64_t us = ns <= 0 ? 0 : static_cast<std::uint64_t>(ns / 1000);
    ++counts_[index(us)];
    ++total_;
    max_us_ = std::max(max_us_, us);
  }
  std::uint64_t total() const { return total_; }
  // Value (ms) at quantile q; `missing` more samples count as larger than anything recorded.
  std::optional<double> quantile_ms(double q, std::uint64_t missing = 0) const {
    const std::uint64_t all = total_ + missing;
    if (all == 0) return std::nullopt;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(all));
    if (rank >= all) rank = all - 1;
    if (rank >= total_) return std::nullopt;  // falls among the missing ones
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) return static_cast<double>(value(i)) / 1000.0;
    }
    return static_cast<double>(max_us_) / 1000.0;
  }
  double max_ms() const { return static_cast<double>(max_us_) / 1000.0; }

 private:
  static std::size_t index(std::uint64_t us) {
    if (us < 2048) return us;
    const int e = std::bit_width(us) - 11;
    if (e > 40) return 2048 + 40 * 1024 - 1;
    return 2048 + static_cast<std::size_t>(e - 1) * 1024 + ((us >> e) - 1024);
  }
  static std::uint64_t value(std::size_t i) {
    if (i < 2048) return i;
    const std::size_t e = (i - 2048) / 1024 + 1;
    const std::uint64_t m = (i - 2048) % 1024 + 1024;
    return (m << e) + ((1ull << e) >> 1);
  }
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t max_us_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string mode = "fanout";
  std::string url;     // ws://127.0.0.1:PORT/path, "{i}" replaced by the client (or room) index
  std::string hp_doc;  // Hocuspocus framing when set: document name ("{i}" allowed)
  std::string hp_token = "token";
  int clients = 200;
  double rate = 1;      // document updates per second per client
  double aw_rate = 0;   // awareness updates per second per client
  double jitter = 0.5;  // each interval is period * (1 +- jitter)
  double warmup = 3;
  double duration = 10;
  double drain = 3;  // after the window: wait up to this long for the window's deliveries
  double hold = 0;   // idle/docs: seconds to hold (0: until stdin closes)
  double max_seconds = 300;
  int connect_parallel = 64;
  std::uint64_t client_base = 1000;
  std::string file;
  std::size_t count = 100000;
  std::uint64_t expect_client = 1;
  std::uint64_t expect_clock = 0;
  std::string room_file;  // one line per client: "--url URL [--hp-doc NAME]" (docs mode)
  std::string db;         // seedlog
  std::string doc;        // seedlog
  bool quiet = false;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "loadgen: " << why
            << "\nusage: loadgen --mode fanout|idle|docs|push|cold|seedlog --url "
               "ws://127.0.0.1:PORT/path[{i}] [--hp-doc NAME --hp-token T] [--clients N] "
               "[--rate R] [--aw-rate A] [--jitter J] [--warmup S] [--duration S] [--drain S] "
               "[--hold S] [--max-seconds S] [--connect-parallel K] [--client-base ID] "
               "[--file F] [--count N] [--expect-client C --expect-clock K] [--db F --doc NAME]\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(std::string(a) + " wants a value");
      return argv[++i];
    };
    auto num = [&]() {
      const auto v = next();
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || d < 0) usage(std::string(a) + " wants a number");
      return d;
    };
    if (a == "--mode")
      o.mode = next();
    else if (a == "--url")
      o.url = next();
    else if (a == "--hp-doc")
      o.hp_doc = next();
    else if (a == "--hp-token")
      o.hp_token = next();
    else if (a == "--clients")
      o.clients = static_cast<int>(num());
    else if (a == "--rate")
      o.rate = num();
    else if (a == "--aw-rate")
      o.aw_rate = num();
    else if (a == "--jitter")
      o.jitter = std::min(num(), 0.95);
    else if (a == "--warmup")
      o.warmup = num();
    else if (a == "--duration")
      o.duration = num();
    else if (a == "--drain")
      o.drain = num();
    else if (a == "--hold")
      o.hold = num();
    else if (a == "--max-seconds")
      o.max_seconds = num();
    else if (a == "--connect-parallel")
      o.connect_parallel = std::max(1, static_cast<int>(num()));
    else if (a == "--client-base")
      o.client_base = static_cast<std::uint64_t>(num());
    else if (a == "--file")
      o.file = next();
    else if (a == "--count")
      o.count = static_cast<std::size_t>(num());
    else if (a == "--expect-client")
      o.expect_client = static_cast<std::uint64_t>(num());
    else if (a == "--expect-clock")
      o.expect_clock = static_cast<std::uint64_t>(num());
    else if (a == "--room-file")
      o.room_file = next();
    else if (a == "--db")
      o.db = next();
    else if (a == "--doc")
      o.doc = next();
    else if (a == "--quiet")
      o.quiet = true;
    else
      usage("unknown option " + std::string(a));
  }
  if (o.clients < 1 || o.clients > 100000) usage("--clients wants 1..100000");
  return o;
}

std::string replace_index(std::string s, int i) {
  const std::string key = "{i}";
  for (auto pos = s.find(key); pos != std::string::npos; pos = s.find(key, pos)) {
    const auto v = std::to_string(i);
    s.replace(pos, key.size(), v);
    pos += v.size();
  }
  return s;
}

struct Url {
  std::string host;
  std::string port;
  std::string target;
};

Url parse_url(const std::string& url) {
  constexpr std::string_view scheme = "ws://";
  if (!url.starts_with(scheme)) usage("--url must start with ws://");
  const auto rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  Url u;
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos) usage("--url needs an explicit port");
  u.host = authority.substr(0, colon);
  u.port = authority.substr(colon + 1);
  if (u.port.empty() || u.port.size() > 5 ||
      u.port.find_first_not_of("0123456789") != std::string::npos || std::stoi(u.port) > 65535) {
    usage("--url has a bad port: '" + u.port + "'");
  }
  if (u.host.starts_with('[') && u.host.ends_with(']'))
    u.host = u.host.substr(1, u.host.size() - 2);
  boost::system::error_code ec;
  const auto addr = net::ip::make_address(u.host == "localhost" ? "127.0.0.1" : u.host, ec);
  if (ec || !addr.is_loopback()) usage("only loopback addresses are allowed, got " + u.host);
  if (u.host == "localhost") u.host = "127.0.0.1";
  return u;
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "loadgen: cannot read " << path << '\n';
    std::exit(1);
  }
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// u32 LE length-prefixed updates.
std::vector<Bytes> read_updates(const std::string& path, std::size_t count) {
  const auto all = read_file(path);
  std::vector<Bytes> out;
  std::size_t pos = 0;
  while (pos + 4 <= all.size() && out.size() < count) {
    const std::uint32_t n = all[pos] | (all[pos + 1] << 8) | (all[pos + 2] << 16) |
                            (static_cast<std::uint32_t>(all[pos + 3]) << 24);
    pos += 4;
    if (pos + n > all.size()) break;
    out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(pos),
                     all.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The run

struct Xorshift {
  std::uint64_t s;
  double uniform() {  // [0, 1)
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  }
};

class Run;

// One WebSocket client. Everything runs on the one io_context thread.
// Clients live in Run::clients until the io_context has stopped, so handlers capture `this`.
// The socket is typed on the io_context's executor (no type-erased executor, no tcp_stream
// timers): the generator spends its core on receiving, not on bookkeeping.
using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;
using Timer =
    net::basic_waitable_timer<Clock, net::wait_traits<Clock>, net::io_context::executor_type>;

class Client {
 public:
  Client(Run& run, int index, std::uint64_t id, std::string target, std::string hp_doc);
  void start();
  // A y-websocket frame (the Hocuspocus prefix is added here). A stamped frame records, in
  // Run::sent_ns or aw_sent_ns at [this client][k], when it was handed to the socket.
  enum class Stamp { none, doc, awareness };
  void send(Bytes frame, Stamp stamp = Stamp::none, std::uint64_t k = 0);
  void close();
  void start_load();

  const int index_;
  const std::uint64_t id_;
  int step2_count_ = 0;
  std::vector<std::uint32_t> doc_mark_;  // per sender: next clock not yet seen
  std::vector<std::uint32_t> aw_mark_;   // per sender: highest awareness clock seen
  std::unordered_map<std::uint64_t, std::uint64_t> coverage_;  // client -> end of contiguous

 private:
  void on_connect(beast::error_code ec);
  void on_handshake(beast::error_code ec);
  void read();
  void on_readable(beast::error_code ec);
  void on_message(const std::uint8_t* begin, std::size_t size, std::int64_t now, std::int64_t rx);
  void write_next();
  void schedule_update(bool first);
  void schedule_awareness(bool first);
  void fail(const char* what, beast::error_code ec);

  Run& run_;
  const std::string target_;
  Bytes hp_prefix_;
  // A minimal RFC 6455 client on the bare socket (see read()): the upgrade request, masked
  // frames out, unmasked frames in.
  Socket socket_;
  std::string request_;  // the upgrade request while it is written
  Bytes wire_;           // the frame being written
  std::uint64_t frames_out_ = 0;
  Bytes in_;       // bytes read, not yet a whole frame
  Bytes message_;  // a fragmented message being assembled
  struct Out {
    Bytes data;
    Stamp stamp;
    std::uint64_t k;
    std::uint8_t opcode = 0x2;  // binary; 0xA for a pong
  };
  std::deque<Out> out_;
  bool writing_ = false;
  bool open_ = false;
  bool closing_ = false;
  bool synced_ = false;
  Timer update_timer_;
  Timer aw_timer_;
  std::int64_t next_update_ns_ = 0;
  std::int64_t next_aw_ns_ = 0;
  std::uint64_t next_clock_ = 0;
  std::uint64_t next_aw_clock_ = 1;  // clock 0 is ignored by peers (yjs-spec §4.3)
  Xorshift rng_;
};

class Run {
 public:
  explicit Run(Options o)
      : opt(std::move(o)), url(opt.url.empty() ? Url{} : parse_url(opt.url)), deadline(ioc) {}

  Options opt;
  Url url;
  net::io_context ioc{1};
  tcp::endpoint endpoint;
  net::steady_timer deadline;
  std::vector<std::unique_ptr<Client>> clients;
  // send_ns[sender][clock]: intended send time of each document update; aw_send_ns likewise.
  std::vector<std::vector<std::int64_t>> send_ns;
  std::vector<std::vector<std::int64_t>> aw_send_ns;
  // The same, but the time the generator actually handed each frame to its socket (after any
  // lateness of its own timers).
  std::vector<std::vector<std::int64_t>> sent_ns;
  std::vector<std::vector<std::int64_t>> aw_sent_ns;
  Bytes doc_file;                // docs: the update each client uploads
  std::vector<Bytes> push_file;  // push: the updates to send

  int next_to_connect = 0;
  int connecting = 0;
  int connected = 0;
  int synced = 0;
  int errors = 0;
  int disconnects = 0;
  std::uint64_t parse_errors = 0;
  std::string first_error;
  const std::int64_t t_start = now_ns();
  std::int64_t t_all_synced = 0;
  bool load_started = false;
  bool finished = false;

  // The window [win_start, win_end) in ns: latencies are kept for sends inside it.
  std::int64_t win_start = INT64_MAX;
  std::int64_t win_end = INT64_MAX;
  Histogram doc_hist;
  Histogram aw_hist;
  // Wire latency: from the moment the frame was handed to the sender's socket to the kernel's
  // receive timestamp on each peer's socket (SO_TIMESTAMPNS). Unlike the histograms above it
  // leaves out the generator's own delays: its timers firing late, and the time it takes to work
  // through a burst of 200 frames on one core before it sees the last one.
  Histogram doc_wire_hist;
  Histogram aw_wire_hist;
  Histogram sched_lag;  // how late the generator's send timers fired: its own health
  std::uint64_t doc_sent_in_window = 0;
  std::uint64_t aw_sent_in_window = 0;
  std::uint64_t doc_delivered_win = 0;  // deliveries of the window's sends, whenever received
  std::uint64_t aw_delivered_win = 0;
  std::uint64_t aw_superseded_win = 0;     // a newer clock of that sender arrived first
  std::uint64_t doc_rx_during_window = 0;  // deliveries received while the window was open
  std::uint64_t aw_rx_during_window = 0;
  std::uint64_t frames_rx_window = 0;
  std::uint64_t bytes_rx_window = 0;
  std::uint64_t frames_tx_window = 0;
  std::uint64_t self_echoes = 0;
  double cpu_at_window_start = 0;
  double cpu_at_window_end = 0;
  std::function<void()> drain_poll;

  // push / docs / cold
  std::int64_t t_connect_start = 0;
  std::int64_t t_open = 0;
  std::int64_t t_first_step2 = 0;
  std::int64_t t_pushed = 0;
  std::int64_t t_ready = 0;
  std::uint64_t want_client = 0;
  std::uint64_t want_clock = 0;
  int ready_clients = 0;

  void event(const std::string& name, const std::string& extra = "") {
    std::cout << "{\"event\":\"" << name << "\",\"t\":" << (now_ns() - t_start) / 1e9
              << (extra.empty() ? "" : ",") << extra << "}\n"
              << std::flush;
  }

  void connect_more() {
    while (!finished && next_to_connect < static_cast<int>(clients.size()) &&
           connecting < opt.connect_parallel) {
      ++connecting;
      clients[static_cast<std::size_t>(next_to_connect++)]->start();
    }
  }
  void on_open() {
    --connecting;
    ++connected;
    connect_more();
  }
  void on_connect_failed() {
    --connecting;
    connect_more();
  }
  void on_error(const std::string& what) {
    ++errors;
    if (first_error.empty()) first_error = what;
    if (opt.mode == "push" || opt.mode == "cold") finish();  // one client: nothing left to do
  }

  void on_synced(Client& c);
  void on_state(Client& c, bool step2);
  void on_doc_struct(Client& rx, std::uint64_t client, std::uint64_t clock, std::uint64_t len,
                     std::int64_t now, std::int64_t rx_ns, bool in_window);
  void on_awareness_entry(Client& rx, std::uint64_t client, std::uint64_t clock, bool is_null,
                          std::int64_t now, std::int64_t rx_ns, bool in_window);
  void begin_load();
  void hold();
  void finish();
};

Client::Client(Run& run, int index, std::uint64_t id, std::string target, std::string hp_doc)
    : index_(index),
      id_(id),
      run_(run),
      target_(std::move(target)),
      socket_(run.ioc.get_executor()),
      update_timer_(run.ioc.get_executor()),
      aw_timer_(run.ioc.get_executor()),
      rng_{0x9e3779b97f4a7c15ull ^ (id * 0xbf58476d1ce4e5b9ull)} {
  if (!hp_doc.empty()) put_varstring(hp_prefix_, hp_doc);
  if (run.opt.mode == "fanout") {
    doc_mark_.assign(static_cast<std::size_t>(run.opt.clients), 0);
    aw_mark_.assign(static_cast<std::size_t>(run.opt.clients), 0);
  }
  for (int i = 0; i < 4; ++i) rng_.uniform();
}

void Client::fail(const char* what, beast::error_code ec) {
  if (closing_ || run_.finished) return;
  const bool was_open = open_;
  open_ = false;
  closing_ = true;
  update_timer_.cancel();
  aw_timer_.cancel();
  beast::error_code ignored;
  socket_.close(ignored);
  if (was_open) {
    ++run_.disconnects;
  } else {
    run_.on_connect_failed();
  }
  run_.on_error(std::string(what) + ": " + ec.message());
}

void Client::start() {
  if (run_.opt.mode == "cold") run_.t_connect_start = now_ns();
  socket_.async_connect(run_.endpoint, [this](beast::error_code ec) { on_connect(ec); });
}

void Client::on_connect(beast::error_code ec) {
  if (ec) return fail("connect", ec);
  socket_.set_option(tcp::no_delay(true), ec);
  const int on = 1;
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  // The key is not checked against the answer's Sec-WebSocket-Accept: the servers are known.
  request_ = "GET " + target_ + " HTTP/1.1\r\nHost: " + run_.url.host + ":" + run_.url.port +
             "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: bmFwY29uc3VsdC1iZW5jaA==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  net::async_write(socket_, net::buffer(request_), [this](beast::error_code e, std::size_t) {
    if (e) return fail("handshake", e);
    read();  // the answer is read by on_readable, which calls on_handshake
  });
}

void Client::on_handshake(beast::error_code ec) {
  if (ec) return fail("handshake", ec);
  if (open_) return;
  open_ = true;
  if (run_.opt.mode == "cold") run_.t_open = now_ns();
  run_.on_open();
  if (!hp_prefix_.empty()) {  // Hocuspocus: the Auth token message comes first (yjs-spec §5.8)
    Bytes auth{2, 0};
    put_varstring(auth, run_.opt.hp_token);
    send(std::move(auth));
  }
  send(Bytes{0, 0, 1, 0});  // sync step 1 with an empty state vector
}

void Client::send(Bytes frame, Stamp stamp, std::uint64_t k) {
  if (!open_) return;
  if (!hp_prefix_.empty()) frame.insert(frame.begin(), hp_prefix_.begin(), hp_prefix_.end());
  out_.push_back({std::move(frame), stamp, k});
  if (!writing_) write_next();
}

void Client::write_next() {
  if (out_.empty() || !open_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  auto& front = out_.front();
  // A client frame: FIN + opcode, the length with the mask bit, the key, the masked payload.
  const auto n = front.data.size();
  wire_.clear();
  wire_.push_back(static_cast<std::uint8_t>(0x80 | front.opcode));
  if (n < 126) {
    wire_.push_back(static_cast<std::uint8_t>(0x80 | n));
  } else if (n <= 0xFFFF) {
    wire_.insert(wire_.end(),
                 {0xFE, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  } else {
    wire_.push_back(0xFF);
    for (int i = 7; i >= 0; --i)
      wire_.push_back(static_cast<std::uint8_t>(std::uint64_t{n} >> (8 * i)));
  }
  std::uint8_t key[4];
  // Any key will do for the servers; not drawn from rng_, which times the sends.
  const auto r =
      static_cast<std::uint32_t>(index_) * 2654435761u + static_cast<std::uint32_t>(++frames_out_);
  std::memcpy(key, &r, 4);
  wire_.insert(wire_.end(), key, key + 4);
  const auto at = wire_.size();
  wire_.resize(at + n);
  for (std::size_t i = 0; i < n; ++i) wire_[at + i] = front.data[i] ^ key[i & 3];
  if (front.stamp != Stamp::none) {
    // async_write starts with a non-blocking send before it returns.
    auto& sent = (front.stamp == Stamp::doc ? run_.sent_ns
                                            : run_.aw_sent_ns)[static_cast<std::size_t>(index_)];
    if (front.k < sent.size()) sent[front.k] = now_ns();
  }
  net::async_write(socket_, net::buffer(wire_), [self = this](beast::error_code ec, std::size_t) {
    if (ec) return self->fail("write", ec);
    self->out_.pop_front();
    const auto now = now_ns();
    if (now >= self->run_.win_start && now < self->run_.win_end) {
      ++self->run_.frames_tx_window;
    }
    self->write_next();
  });
}

// Reads are done here rather than by Beast: recvmsg gives the kernel's receive timestamp of the
// bytes (SO_TIMESTAMPNS, set on connect), which is when each peer's socket got its copy of a
// broadcast, whatever the generator was doing then. Server frames are unmasked (RFC 6455).
void Client::read() {
  socket_.async_wait(Socket::wait_read, [this](beast::error_code ec) { on_readable(ec); });
}

void Client::on_readable(beast::error_code ec) {
  if (closing_ || run_.finished) {
    open_ = false;
    return;
  }
  if (ec) return fail(open_ ? "read" : "handshake", ec);
  static thread_local std::array<std::uint8_t, 1u << 16> buf;
  const int fd = socket_.native_handle();
  for (;;) {
    iovec iov{buf.data(), buf.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const auto n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return read();
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (closing_ || run_.finished) {
        open_ = false;
        return;
      }
      return fail("read", n == 0 ? beast::error_code(net::error::eof)
                                 : beast::error_code(errno, beast::system_category()));
    }
    const std::int64_t now = now_ns();
    std::int64_t rx = now;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts;
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        // Realtime to the steady clock the send times use.
        timespec real_now;
        clock_gettime(CLOCK_REALTIME, &real_now);
        const std::int64_t age =
            (real_now.tv_sec - ts.tv_sec) * 1000000000LL + (real_now.tv_nsec - ts.tv_nsec);
        rx = now_ns() - std::max<std::int64_t>(age, 0);
      }
    }
    in_.insert(in_.end(), buf.begin(), buf.begin() + n);
    if (!open_) {
      // The answer to the upgrade request; anything after its header is already WebSocket.
      static constexpr std::string_view kEnd = "\r\n\r\n";
      const auto end = std::search(in_.begin(), in_.end(), kEnd.begin(), kEnd.end());
      if (end == in_.end()) {
        if (in_.size() > 16384) return fail("handshake", net::error::message_size);
        continue;
      }
      const std::string head(in_.begin(), end);
      if (head.compare(0, 12, "HTTP/1.1 101") != 0) {
        return fail("handshake", beast::error_code(websocket::error::upgrade_declined));
      }
      in_.erase(in_.begin(), end + static_cast<std::ptrdiff_t>(kEnd.size()));
      on_handshake({});
      if (closing_ || run_.finished || !open_) return;
    }
    // Every whole frame in in_.
    std::size_t at = 0;
    for (;;) {
      if (in_.size() - at < 2) break;
      const std::uint8_t b0 = in_[at];
      std::uint64_t len = in_[at + 1] & 0x7F;
      std::size_t off = at + 2;
      if (len == 126) {
        if (in_.size() - at < 4) break;
        len = (std::uint64_t{in_[at + 2]} << 8) | in_[at + 3];
        off += 2;
      } else if (len == 127) {
        if (in_.size() - at < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | in_[at + 2 + static_cast<std::size_t>(i)];
        off += 8;
      }
      if (in_.size() - off < len) break;
      const std::uint8_t* payload = in_.data() + off;
      const auto size = static_cast<std::size_t>(len);
      const std::uint8_t opcode = b0 & 0x0F;
      const bool fin = (b0 & 0x80) != 0;
      at = off + size;
      if (opcode == 0x9) {  // ping: pong with its payload
        out_.push_back({Bytes(payload, payload + size), Stamp::none, 0, 0xA});
        if (!writing_) write_next();
      } else if (opcode == 0x8) {  // the server closes
        if (!closing_ && !run_.finished) {
          return fail("read", beast::error_code(websocket::error::closed));
        }
        open_ = false;
        return;
      } else if (opcode == 0x2 || opcode == 0x0) {
        if (fin && message_.empty()) {
          on_message(payload, size, now, rx);
        } else {
          message_.insert(message_.end(), payload, payload + size);
          if (fin) {
            Bytes whole;
            whole.swap(message_);
            on_message(whole.data(), whole.size(), now, rx);
          }
        }
        if (closing_ || run_.finished || !open_) return;
      }
    }
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(at));
  }
}

void Client::close() {
  update_timer_.cancel();
  aw_timer_.cancel();
  if (!open_ || closing_) return;
  closing_ = true;
  open_ = false;
  // A close frame (1000, masked with a zero key) and the end of the connection; the run is over,
  // so the server's answer is not waited for.
  const std::uint8_t frame[] = {0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8};
  beast::error_code ignored;
  socket_.non_blocking(true, ignored);
  socket_.send(net::buffer(frame), 0, ignored);
  socket_.shutdown(Socket::shutdown_send, ignored);
}

void Client::on_message(const std::uint8_t* begin, std::size_t n, std::int64_t now,
                        std::int64_t rx) {
  const bool in_window = now >= run_.win_start && now < run_.win_end;
  if (in_window) {
    ++run_.frames_rx_window;
    run_.bytes_rx_window += n;
  }
  Reader r{begin, begin + n};
  if (!hp_prefix_.empty()) r.varstring();
  const auto type = r.varuint();
  if (type == 0 || (type == 4 && !hp_prefix_.empty())) {  // sync (Hocuspocus 4 = SyncReply)
    const auto sub = r.varuint();
    const auto payload = r.varstring();
    if (!r.ok) {
      ++run_.parse_errors;
    } else if (sub == 0) {
      send(Bytes{0, 1, 2, 0, 0});  // answer step 1 with an empty step 2
    } else if (sub == 1 || sub == 2) {
      const auto* p = reinterpret_cast<const std::uint8_t*>(payload.data());
      const bool ok = for_each_struct(
          p, payload.size(), [&](std::uint64_t client, std::uint64_t clock, std::uint64_t len) {
            run_.on_doc_struct(*this, client, clock, len, now, rx, in_window);
          });
      if (!ok) ++run_.parse_errors;
      if (sub == 1) {
        ++step2_count_;
        if (run_.t_first_step2 == 0) run_.t_first_step2 = now;
      }
      if (sub == 1 && !synced_) {
        synced_ = true;
        run_.on_synced(*this);
      }
      run_.on_state(*this, sub == 1);
    }
  } else if (type == 1) {  // awareness
    const auto payload = r.varstring();
    const auto* p = reinterpret_cast<const std::uint8_t*>(payload.data());
    Reader a{p, p + payload.size()};
    const auto entries = a.varuint();
    for (std::uint64_t i = 0; i < entries && a.ok; ++i) {
      const auto client = a.varuint();
      const auto clock = a.varuint();
      const auto json = a.varstring();
      if (a.ok) {
        run_.on_awareness_entry(*this, client, clock, json == "null", now, rx, in_window);
      }
    }
    if (!r.ok || !a.ok) ++run_.parse_errors;
  } else if (type == 2) {  // auth
    const auto sub = r.varuint();
    // Hocuspocus: 2 = authenticated, 1 = denied; y-websocket: 0 = permission denied
    if (hp_prefix_.empty() || sub != 2) {
      run_.on_error("permission denied: " + std::string(r.varstring()));
    }
  }
}

void Client::start_load() {
  if (run_.opt.rate > 0) schedule_update(true);
  if (run_.opt.aw_rate > 0) schedule_awareness(true);
}

void Client::schedule_update(bool first) {
  const double period = 1e9 / run_.opt.rate;
  const double f = first ? rng_.uniform() : 1.0 + run_.opt.jitter * (2.0 * rng_.uniform() - 1.0);
  next_update_ns_ = (first ? now_ns() : next_update_ns_) + static_cast<std::int64_t>(period * f);
  update_timer_.expires_at(Clock::time_point(std::chrono::nanoseconds(next_update_ns_)));
  update_timer_.async_wait([self = this](beast::error_code ec) {
    if (ec || !self->open_ || self->run_.finished) return;
    Run& run = self->run_;
    const std::int64_t t = self->next_update_ns_;  // the intended send time
    if (t >= run.win_end) return;                  // the window is over: stop sending
    run.sched_lag.record_ns(now_ns() - t);
    const std::uint64_t k = self->next_clock_++;
    // y-websocket sync update: 00 02 <len> <V1 update>, one 'x' appended to our own last item
    Bytes u;
    u.reserve(32);
    u.insert(u.end(), {0, 2, 0, 1, 1});
    put_varuint(u, self->id_);
    if (k == 0) {
      u.insert(u.end(), {0, 0x04, 1, 4, 't', 'e', 'x', 't', 1, 'x', 0});
    } else {
      put_varuint(u, k);
      u.push_back(0x84);
      put_varuint(u, self->id_);
      put_varuint(u, k - 1);
      u.insert(u.end(), {1, 'x', 0});
    }
    u[2] = static_cast<std::uint8_t>(u.size() - 3);  // always < 128 here
    auto& times = run.send_ns[static_cast<std::size_t>(self->index_)];
    if (times.size() <= k) times.resize(k + 1, 0);
    times[k] = t;
    auto& sent = run.sent_ns[static_cast<std::size_t>(self->index_)];
    if (sent.size() <= k) sent.resize(k + 1, 0);
    if (t >= run.win_start) ++run.doc_sent_in_window;
    self->send(std::move(u), Stamp::doc, k);
    self->schedule_update(false);
  });
}

void Client::schedule_awareness(bool first) {
  const double period = 1e9 / run_.opt.aw_rate;
  const double f = first ? rng_.uniform() : 1.0 + run_.opt.jitter * (2.0 * rng_.uniform() - 1.0);
  next_aw_ns_ = (first ? now_ns() : next_aw_ns_) + static_cast<std::int64_t>(period * f);
  aw_timer_.expires_at(Clock::time_point(std::chrono::nanoseconds(next_aw_ns_)));
  aw_timer_.async_wait([self = this](beast::error_code ec) {
    if (ec || !self->open_ || self->run_.finished) return;
    Run& run = self->run_;
    const std::int64_t t = self->next_aw_ns_;
    if (t >= run.win_end) return;
    run.sched_lag.record_ns(now_ns() - t);
    const std::uint64_t k = self->next_aw_clock_++;
    const auto pos = std::to_string(k % 100000);
    const std::string json = "{\"cursor\":{\"anchor\":" + pos + ",\"head\":" + pos + "}}";
    Bytes entry;
    put_varuint(entry, 1);
    put_varuint(entry, self->id_);
    put_varuint(entry, k);
    put_varstring(entry, json);
    Bytes frame{1};
    put_varbytes(frame, entry.data(), entry.size());
    auto& times = run.aw_send_ns[static_cast<std::size_t>(self->index_)];
    if (times.size() <= k) times.resize(k + 1, 0);
    times[k] = t;
    auto& sent = run.aw_sent_ns[static_cast<std::size_t>(self->index_)];
    if (sent.size() <= k) sent.resize(k + 1, 0);
    if (t >= run.win_start) ++run.aw_sent_in_window;
    self->send(std::move(frame), Stamp::awareness, k);
    self->schedule_awareness(false);
  });
}

void Run::on_synced(Client& c) {
  ++synced;
  if (opt.mode == "docs") {
    // Upload the document, then ask for the state again: the step 2 that answers comes after
    // the update has been applied (on napconsult: committed), on every server.
    Bytes frame{0, 2};
    put_varbytes(frame, doc_file.data(), doc_file.size());
    c.send(std::move(frame));
    c.send(Bytes{0, 0, 1, 0});
    return;
  }
  if (opt.mode == "push") {
    t_all_synced = now_ns();
    for (const auto& u : push_file) {
      Bytes frame{0, 2};
      put_varbytes(frame, u.data(), u.size());
      c.send(std::move(frame));
    }
    c.send(Bytes{0, 0, 1, 0});  // the barrier, as in docs
    return;
  }
  if (synced == static_cast<int>(clients.size())) {
    t_all_synced = now_ns();
    if (opt.mode == "fanout") {
      begin_load();
    } else if (opt.mode == "idle") {
      event("ready", "\"clients\":" + std::to_string(synced) +
                         ",\"connect_s\":" + std::to_string((t_all_synced - t_start) / 1e9));
      hold();
    }
  }
}

// After every step 2 or update a client receives (push, docs, cold).
void Run::on_state(Client& c, bool step2) {
  if (opt.mode == "push") {
    if (c.step2_count_ < 2) return;
    t_pushed = now_ns();
    const auto it = c.coverage_.find(want_client);
    if (it == c.coverage_.end() || it->second < want_clock) {
      on_error("the server's state does not cover what was pushed");
    }
    finish();
  } else if (opt.mode == "docs") {
    if (!step2 || c.step2_count_ != 2) return;
    const auto it = c.coverage_.find(want_client);
    if (it == c.coverage_.end() || it->second < want_clock) {
      on_error("the server's state does not cover the uploaded document");
    }
    c.coverage_.clear();
    if (++ready_clients == static_cast<int>(clients.size())) {
      t_ready = now_ns();
      event("ready", "\"rooms\":" + std::to_string(ready_clients) +
                         ",\"load_s\":" + std::to_string((t_ready - t_start) / 1e9));
      hold();
    }
  } else if (opt.mode == "cold") {
    const auto it = c.coverage_.find(want_client);
    if (it == c.coverage_.end() || it->second < want_clock) return;
    t_ready = now_ns();
    finish();
  }
}

void Run::on_doc_struct(Client& rx, std::uint64_t client, std::uint64_t clock, std::uint64_t len,
                        std::int64_t now, std::int64_t rx_ns, bool in_window) {
  if (opt.mode != "fanout") {
    auto& end = rx.coverage_[client];
    if (clock <= end) end = std::max(end, clock + len);
    return;
  }
  if (client < opt.client_base || client >= opt.client_base + clients.size()) return;
  const auto sender = static_cast<std::size_t>(client - opt.client_base);
  if (sender == static_cast<std::size_t>(rx.index_)) {
    ++self_echoes;
    return;
  }
  auto& mark = rx.doc_mark_[sender];
  const std::uint64_t from = std::max<std::uint64_t>(mark, clock);
  const std::uint64_t to = clock + len;
  if (to <= from) return;
  mark = static_cast<std::uint32_t>(to);
  const auto& times = send_ns[sender];
  const auto& sent = sent_ns[sender];
  for (std::uint64_t k = from; k < to && k < times.size(); ++k) {
    const std::int64_t t = times[k];
    if (in_window) ++doc_rx_during_window;
    if (t >= win_start && t < win_end) {
      ++doc_delivered_win;
      doc_hist.record_ns(now - t);
      if (k < sent.size() && sent[k] != 0)
        doc_wire_hist.record_ns(std::max<std::int64_t>(rx_ns - sent[k], 0));
    }
  }
}

void Run::on_awareness_entry(Client& rx, std::uint64_t client, std::uint64_t clock, bool is_null,
                             std::int64_t now, std::int64_t rx_ns, bool in_window) {
  if (opt.mode != "fanout" || is_null) return;
  if (client < opt.client_base || client >= opt.client_base + clients.size()) return;
  const auto sender = static_cast<std::size_t>(client - opt.client_base);
  if (sender == static_cast<std::size_t>(rx.index_)) return;
  auto& mark = rx.aw_mark_[sender];
  if (clock <= mark) return;
  const auto& times = aw_send_ns[sender];
  for (std::uint64_t k = mark + 1; k < clock && k < times.size(); ++k) {
    if (times[k] >= win_start && times[k] < win_end) ++aw_superseded_win;
  }
  mark = static_cast<std::uint32_t>(clock);
  if (clock >= times.size()) return;
  const std::int64_t t = times[clock];
  if (in_window) ++aw_rx_during_window;
  if (t >= win_start && t < win_end) {
    ++aw_delivered_win;
    aw_hist.record_ns(now - t);
    const auto& sent = aw_sent_ns[sender];
    if (clock < sent.size() && sent[clock] != 0) {
      aw_wire_hist.record_ns(std::max<std::int64_t>(rx_ns - sent[clock], 0));
    }
  }
}

void Run::begin_load() {
  if (load_started) return;
  load_started = true;
  const std::int64_t now = now_ns();
  win_start = now + static_cast<std::int64_t>(opt.warmup * 1e9);
  win_end = win_start + static_cast<std::int64_t>(opt.duration * 1e9);
  event("load", "\"clients\":" + std::to_string(clients.size()) +
                    ",\"connect_s\":" + std::to_string((now - t_start) / 1e9));
  for (auto& c : clients) c->start_load();
  auto timer = std::make_shared<net::steady_timer>(ioc);
  timer->expires_at(Clock::time_point(std::chrono::nanoseconds(win_start)));
  timer->async_wait([this, timer](beast::error_code) {
    cpu_at_window_start = cpu_seconds();
    event("window_start");
    timer->expires_at(Clock::time_point(std::chrono::nanoseconds(win_end)));
    timer->async_wait([this, timer](beast::error_code) {
      cpu_at_window_end = cpu_seconds();
      event("window_end");
      // Drain: stop as soon as every delivery of the window's sends has arrived.
      const std::uint64_t receivers = clients.size() - 1;
      const std::int64_t drain_end = now_ns() + static_cast<std::int64_t>(opt.drain * 1e9);
      drain_poll = [this, timer, receivers, drain_end] {
        const bool docs_done = doc_delivered_win >= doc_sent_in_window * receivers;
        const bool aw_done = aw_delivered_win + aw_superseded_win >= aw_sent_in_window * receivers;
        if ((docs_done && aw_done) || now_ns() >= drain_end || finished) return finish();
        timer->expires_after(std::chrono::milliseconds(5));
        timer->async_wait([this](beast::error_code) {
          if (!finished) drain_poll();
        });
      };
      drain_poll();
    });
  });
}

void Run::hold() {
  if (opt.hold <= 0) return;  // until a signal
  auto timer = std::make_shared<net::steady_timer>(ioc);
  timer->expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(opt.hold * 1000)));
  timer->async_wait([this, timer](beast::error_code ec) {
    if (!ec) finish();
  });
}

std::string fmt(std::optional<double> v) {
  if (!v) return "null";
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", *v);
  return b;
}
std::string fmt(double v) { return fmt(std::optional<double>(v)); }
std::string ms_since(std::int64_t from, std::int64_t to) {
  return from && to ? fmt((to - from) / 1e6) : "null";
}

void Run::finish() {
  if (finished) return;
  finished = true;
  std::ostringstream o;
  o << "{\"mode\":\"" << opt.mode << "\",\"clients\":" << clients.size()
    << ",\"connected\":" << connected << ",\"synced\":" << synced << ",\"errors\":" << errors
    << ",\"disconnects\":" << disconnects << ",\"parse_errors\":" << parse_errors;
  if (!first_error.empty()) {
    std::string e;
    for (const char ch : first_error) {
      if (ch == '"' || ch == '\\') e += '\\';
      if (static_cast<unsigned char>(ch) >= 0x20) e += ch;
    }
    o << ",\"first_error\":\"" << e << "\"";
  }
  if (opt.mode == "fanout") {
    const double window = opt.duration;
    const std::uint64_t receivers = clients.size() - 1;
    const std::uint64_t doc_expected = doc_sent_in_window * receivers;
    const std::uint64_t aw_expected = aw_sent_in_window * receivers;
    const std::uint64_t doc_missing = doc_expected - std::min(doc_expected, doc_delivered_win);
    const std::uint64_t aw_missing =
        aw_expected - std::min(aw_expected, aw_delivered_win + aw_superseded_win);
    const double gen_cpu = cpu_at_window_end - cpu_at_window_start;
    const auto nclients = static_cast<double>(clients.size());
    o << ",\"rate\":" << opt.rate << ",\"aw_rate\":" << opt.aw_rate << ",\"window_s\":" << window
      << ",\"offered_dps\":" << fmt(opt.rate * nclients * static_cast<double>(receivers))
      << ",\"sent_in_window\":" << doc_sent_in_window
      << ",\"delivered_dps\":" << fmt(static_cast<double>(doc_rx_during_window) / window)
      << ",\"delivered_ratio\":"
      << fmt(doc_expected ? static_cast<double>(doc_delivered_win) / doc_expected : 1.0)
      << ",\"p50_ms\":" << fmt(doc_hist.quantile_ms(0.50, doc_missing))
      << ",\"p99_ms\":" << fmt(doc_hist.quantile_ms(0.99, doc_missing))
      << ",\"p999_ms\":" << fmt(doc_hist.quantile_ms(0.999, doc_missing))
      << ",\"max_ms\":" << fmt(doc_missing ? std::optional<double>() : doc_hist.max_ms())
      << ",\"missing\":" << doc_missing
      << ",\"wire_p50_ms\":" << fmt(doc_wire_hist.quantile_ms(0.50, doc_missing))
      << ",\"wire_p99_ms\":" << fmt(doc_wire_hist.quantile_ms(0.99, doc_missing))
      << ",\"wire_p999_ms\":" << fmt(doc_wire_hist.quantile_ms(0.999, doc_missing))
      << ",\"wire_max_ms\":" << fmt(doc_missing ? std::optional<double>() : doc_wire_hist.max_ms());
    if (opt.aw_rate > 0) {
      o << ",\"aw_offered_dps\":" << fmt(opt.aw_rate * nclients * static_cast<double>(receivers))
        << ",\"aw_delivered_dps\":" << fmt(static_cast<double>(aw_rx_during_window) / window)
        << ",\"aw_delivered_ratio\":"
        << fmt(aw_expected ? static_cast<double>(aw_delivered_win) / aw_expected : 1.0)
        << ",\"aw_superseded\":" << aw_superseded_win
        << ",\"aw_p50_ms\":" << fmt(aw_hist.quantile_ms(0.50, aw_missing))
        << ",\"aw_p99_ms\":" << fmt(aw_hist.quantile_ms(0.99, aw_missing))
        << ",\"aw_p999_ms\":" << fmt(aw_hist.quantile_ms(0.999, aw_missing))
        << ",\"aw_max_ms\":" << fmt(aw_missing ? std::optional<double>() : aw_hist.max_ms())
        << ",\"aw_missing\":" << aw_missing
        << ",\"aw_wire_p50_ms\":" << fmt(aw_wire_hist.quantile_ms(0.50, aw_missing))
        << ",\"aw_wire_p99_ms\":" << fmt(aw_wire_hist.quantile_ms(0.99, aw_missing))
        << ",\"aw_wire_p999_ms\":" << fmt(aw_wire_hist.quantile_ms(0.999, aw_missing));
    }
    o << ",\"frames_rx_per_s\":" << fmt(static_cast<double>(frames_rx_window) / window)
      << ",\"bytes_rx_per_s\":" << fmt(static_cast<double>(bytes_rx_window) / window)
      << ",\"frames_tx_per_s\":" << fmt(static_cast<double>(frames_tx_window) / window)
      << ",\"gen_cpu_s\":" << fmt(gen_cpu) << ",\"gen_cpu_pct\":" << fmt(100.0 * gen_cpu / window)
      << ",\"gen_sched_lag_p99_ms\":" << fmt(sched_lag.quantile_ms(0.99))
      << ",\"gen_sched_lag_max_ms\":" << fmt(sched_lag.max_ms())
      << ",\"self_echoes\":" << self_echoes;
  } else if (opt.mode == "push") {
    o << ",\"updates\":" << push_file.size() << ",\"state_client\":" << want_client
      << ",\"state_clock\":" << want_clock << ",\"push_ms\":" << ms_since(t_all_synced, t_pushed);
  } else if (opt.mode == "docs") {
    o << ",\"rooms_ready\":" << ready_clients << ",\"doc_bytes\":" << doc_file.size();
  } else if (opt.mode == "cold") {
    o << ",\"connect_ms\":" << ms_since(t_connect_start, t_open)
      << ",\"first_step2_ms\":" << ms_since(t_connect_start, t_first_step2)
      << ",\"ready_ms\":" << ms_since(t_connect_start, t_ready);
  }
  o << ",\"gen_cpu_total_s\":" << fmt(cpu_seconds())
    << ",\"wall_s\":" << fmt((now_ns() - t_start) / 1e9) << "}";
  std::cout << o.str() << '\n' << std::flush;
  for (auto& c : clients) c->close();
  deadline.cancel();
  // Give the close handshakes a moment, then stop whatever is left.
  auto timer = std::make_shared<net::steady_timer>(ioc);
  timer->expires_after(std::chrono::milliseconds(200));
  timer->async_wait([this, timer](beast::error_code) { ioc.stop(); });
}

#ifdef NAPC_LOADGEN_SQLITE
// Writes the updates straight into napconsult's log table: an uncompacted document of exactly
// that many stored updates, which the server then has to load cold.
int seedlog(const Options& opt) {
  const auto updates = read_updates(opt.file, opt.count);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(opt.db.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::cerr << "loadgen: cannot open " << opt.db << '\n';
    return 1;
  }
  auto exec = [&](const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::cerr << "loadgen: " << sql << ": " << (err ? err : "?") << '\n';
      sqlite3_free(err);
      std::exit(1);
    }
  };
  exec("BEGIN");
  // Schema version 3 and later: the log is document_log, keyed by a number from document_ids.
  sqlite3_stmt* probe = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &probe, nullptr);
  const bool keyed_log = sqlite3_step(probe) == SQLITE_ROW && sqlite3_column_int(probe, 0) >= 3;
  sqlite3_finalize(probe);
  auto run_with_doc = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      std::cerr << "loadgen: " << sql << ": " << sqlite3_errmsg(db) << '\n';
      std::exit(1);
    }
    sqlite3_bind_text(stmt, 1, opt.doc.data(), static_cast<int>(opt.doc.size()), SQLITE_TRANSIENT);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
  };
  if (keyed_log) {
    run_with_doc(
        "DELETE FROM document_log WHERE document_id = "
        "(SELECT id FROM document_ids WHERE name = ?)");
    run_with_doc("INSERT OR IGNORE INTO document_ids(name) VALUES(?)");
  } else {
    run_with_doc("DELETE FROM document_updates WHERE document = ?");
  }
  run_with_doc("DELETE FROM documents WHERE name = ?");
  sqlite3_stmt* ins = nullptr;
  const char* insert_sql =
      keyed_log ? "INSERT INTO document_log(document_id, seq, data, participant_id, created_at) "
                  "VALUES((SELECT id FROM document_ids WHERE name = ?), ?, ?, NULL, "
                  "strftime('%s','now'))"
                : "INSERT INTO document_updates(document, seq, data, participant_id, created_at) "
                  "VALUES(?, ?, ?, NULL, strftime('%s','now'))";
  if (sqlite3_prepare_v2(db, insert_sql, -1, &ins, nullptr) != SQLITE_OK) {
    std::cerr << "loadgen: the database has no update log table as expected: " << sqlite3_errmsg(db)
              << '\n';
    return 1;
  }
  std::uint64_t want = 0;
  std::int64_t seq = 0;
  for (const auto& u : updates) {
    sqlite3_bind_text(ins, 1, opt.doc.data(), static_cast<int>(opt.doc.size()), SQLITE_STATIC);
    sqlite3_bind_int64(ins, 2, ++seq);
    sqlite3_bind_blob(ins, 3, u.data(), static_cast<int>(u.size()), SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) {
      std::cerr << "loadgen: insert failed: " << sqlite3_errmsg(db) << '\n';
      return 1;
    }
    sqlite3_reset(ins);
    for_each_struct(u.data(), u.size(),
                    [&](std::uint64_t client, std::uint64_t clock, std::uint64_t len) {
                      if (client == opt.expect_client) want = std::max(want, clock + len);
                    });
  }
  sqlite3_finalize(ins);
  exec("COMMIT");
  exec("PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
  std::cout << "{\"mode\":\"seedlog\",\"updates\":" << updates.size()
            << ",\"state_client\":" << opt.expect_client << ",\"state_clock\":" << want << "}\n";
  return 0;
}
#endif

// --mode selftest: the struct walker on updates made by Yjs 13.6.33 from the generator's own
// updates (clients 1000 and 1001): Y.mergeUpdates of five of them keeps five structs; the doc's
// encodeStateAsUpdate merges each client's run of 'x' into one item.
int selftest() {
  auto hex = [](std::string_view h) {
    Bytes b;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
      b.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    }
    return b;
  };
  struct Case {
    std::string_view hex;
    std::vector<std::array<std::uint64_t, 3>> want;
  };
  const Case cases[] = {
      {"0202e9070004010474657874017884e90700017803e8070004010474657874017884e80700017884e8070101780"
       "0",
       {{1001, 0, 1}, {1001, 1, 1}, {1000, 0, 1}, {1000, 1, 1}, {1000, 2, 1}}},
      {"0201e907000401047465787402787801e80700040104746578740378787800",
       {{1001, 0, 2}, {1000, 0, 3}}},
  };
  int failures = 0;
  for (const auto& c : cases) {
    const auto u = hex(c.hex);
    std::vector<std::array<std::uint64_t, 3>> got;
    const bool ok = for_each_struct(
        u.data(), u.size(), [&](std::uint64_t client, std::uint64_t clock, std::uint64_t len) {
          got.push_back({client, clock, len});
        });
    if (!ok || got != c.want) ++failures;
  }
  Histogram h;
  for (int i = 1; i <= 1000; ++i)
    h.record_ns(static_cast<std::int64_t>(i) * 1000000);  // 1..1000 ms
  const double p50 = h.quantile_ms(0.5).value_or(0);
  const double p99 = h.quantile_ms(0.99).value_or(0);
  if (std::abs(p50 - 501) > 1 || std::abs(p99 - 991) > 2) ++failures;
  std::cout << "{\"mode\":\"selftest\",\"failures\":" << failures << "}\n";
  return failures == 0 ? 0 : 1;
}

std::uint64_t max_clock_of(const Bytes& update, std::uint64_t client) {
  std::uint64_t end = 0;
  for_each_struct(update.data(), update.size(),
                  [&](std::uint64_t c, std::uint64_t clock, std::uint64_t len) {
                    if (c == client) end = std::max(end, clock + len);
                  });
  return end;
}

int run_main(const Options& opt) {
  Run run(opt);
  const std::string& mode = opt.mode;
  int n = opt.clients;
  if (mode == "push" || mode == "cold") n = 1;
  if (mode == "docs") {
    run.doc_file = read_file(opt.file);
    // The client whose structs the document holds most of (a snapshot: usually one).
    std::unordered_map<std::uint64_t, std::uint64_t> ends;
    for_each_struct(run.doc_file.data(), run.doc_file.size(),
                    [&](std::uint64_t c, std::uint64_t clock, std::uint64_t len) {
                      ends[c] = std::max(ends[c], clock + len);
                    });
    for (const auto& [c, end] : ends) {
      if (end > run.want_clock) run.want_client = c, run.want_clock = end;
    }
  } else if (mode == "push") {
    run.push_file = read_updates(opt.file, opt.count);
    run.want_client = opt.expect_client;
    for (const auto& u : run.push_file) {
      run.want_clock = std::max(run.want_clock, max_clock_of(u, opt.expect_client));
    }
  } else if (mode == "cold") {
    run.want_client = opt.expect_client;
    run.want_clock = opt.expect_clock;
    if (run.want_clock == 0) usage("cold wants --expect-clock");
  } else if (mode != "fanout" && mode != "idle") {
    usage("unknown mode " + mode);
  }
  // --room-file: client i takes line i (all on the same server as the first line).
  std::vector<std::pair<std::string, std::string>> rooms;
  if (!opt.room_file.empty()) {
    std::ifstream in(opt.room_file);
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(line);
      std::string w, url, doc;
      while (words >> w) {
        if (w == "--url")
          words >> url;
        else if (w == "--hp-doc")
          words >> doc;
      }
      if (!url.empty()) rooms.emplace_back(url, doc);
    }
    if (rooms.empty()) usage("--room-file lists no --url");
    run.url = parse_url(rooms.front().first);
    run.opt.hp_doc = rooms.front().second;
  }
  run.endpoint = tcp::endpoint(net::ip::make_address(run.url.host),
                               static_cast<unsigned short>(std::stoi(run.url.port)));
  const auto per_client =
      static_cast<std::size_t>(opt.rate * (opt.warmup + opt.duration) * 1.6) + 16;
  const auto aw_per_client =
      static_cast<std::size_t>(opt.aw_rate * (opt.warmup + opt.duration) * 1.6) + 16;
  run.clients.reserve(static_cast<std::size_t>(n));
  run.send_ns.resize(static_cast<std::size_t>(n));
  run.aw_send_ns.resize(static_cast<std::size_t>(n));
  run.sent_ns.resize(static_cast<std::size_t>(n));
  run.aw_sent_ns.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    if (mode == "fanout") {
      run.send_ns[static_cast<std::size_t>(i)].reserve(per_client);
      run.sent_ns[static_cast<std::size_t>(i)].reserve(per_client);
      if (opt.aw_rate > 0) run.aw_send_ns[static_cast<std::size_t>(i)].reserve(aw_per_client);
      if (opt.aw_rate > 0) run.aw_sent_ns[static_cast<std::size_t>(i)].reserve(aw_per_client);
    }
    std::string target = replace_index(run.url.target, i);
    std::string hp_doc = replace_index(opt.hp_doc, i);
    if (!rooms.empty()) {
      const auto& room = rooms[static_cast<std::size_t>(i) % rooms.size()];
      target = parse_url(room.first).target;
      hp_doc = room.second;
    }
    run.clients.push_back(std::make_unique<Client>(run, i,
                                                   opt.client_base + static_cast<std::uint64_t>(i),
                                                   std::move(target), std::move(hp_doc)));
  }
  net::signal_set signals(run.ioc, SIGINT, SIGTERM);
  signals.async_wait([&run](beast::error_code ec, int) {
    if (!ec) run.finish();
  });
  run.deadline.expires_after(
      std::chrono::milliseconds(static_cast<std::int64_t>(opt.max_seconds * 1000)));
  run.deadline.async_wait([&run](beast::error_code ec) {
    if (ec) return;
    run.on_error("--max-seconds reached");
    run.finish();
  });
  run.connect_more();
  run.ioc.run();
  return run.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace napc::bench

int main(int argc, char** argv) {
  const auto opt = napc::bench::parse_options(argc, argv);
  if (opt.mode == "selftest") return napc::bench::selftest();
  if (opt.mode == "seedlog") {
#ifdef NAPC_LOADGEN_SQLITE
    if (opt.file.empty() || opt.db.empty() || opt.doc.empty()) {
      napc::bench::usage("seedlog wants --file, --db and --doc");
    }
    return napc::bench::seedlog(opt);
#else
    std::cerr << "loadgen: built without SQLite; seedlog is not available\n";
    return 2;
#endif
  }
  if (opt.url.empty() && opt.room_file.empty()) napc::bench::usage("--url is required");
  return napc::bench::run_main(opt);
}
