// crdt_bench: the C++ side of the CRDT benchmark (tests/bench/crdt/run.mjs runs it next to Yjs).
//
//   crdt_bench updates FILE     apply every length-prefixed (u32 LE) V1 update in FILE, one by
//                               one, to a fresh document, as the server does
//   crdt_bench snapshot FILE    load a V1 snapshot into a fresh document, encode it again, and
//                               measure the memory the loaded document holds
//   crdt_bench replay FILE      replay an editing trace as local edits on Y.Text "text", one
//                               transaction (and one emitted update) per trace transaction.
//                               FILE holds one patch per line: `txn pos del text`, positions in
//                               UTF-16 units, text JSON-quoted (run.mjs writes it from a trace)
//
// Prints one JSON object per line: {"name": …, "ms": …, …}. Times are wall-clock for one run;
// the runner repeats runs and reports medians.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <malloc.h>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <crdt/any.hpp>
#include <crdt/doc.hpp>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::vector<std::uint8_t> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Splits a file of u32-LE-length-prefixed updates into views of it.
std::vector<crdt::ByteView> split_updates(const std::vector<std::uint8_t>& data) {
  std::vector<crdt::ByteView> out;
  std::size_t pos = 0;
  while (pos + 4 <= data.size()) {
    const std::uint32_t n = data[pos] | (data[pos + 1] << 8) | (data[pos + 2] << 16) |
                            (static_cast<std::uint32_t>(data[pos + 3]) << 24);
    pos += 4;
    if (n > data.size() - pos) throw std::runtime_error("truncated update file");
    out.emplace_back(data.data() + pos, n);
    pos += n;
  }
  return out;
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int bench_updates(const char* path) {
  const auto data = read_file(path);
  const auto updates = split_updates(data);
  crdt::Doc doc(crdt::DocOptions{.gc = true, .client_id = 0});
  std::size_t emitted = 0;
  const auto start = Clock::now();
  for (const auto& u : updates) emitted += doc.apply_update(u).update.size();
  const double ms = ms_since(start);
  const auto state = doc.encode_state_as_update();
  std::printf(
      "{\"name\":\"apply_updates\",\"ms\":%.3f,\"updates\":%zu,\"emitted_bytes\":%zu,"
      "\"state_bytes\":%zu}\n",
      ms, updates.size(), emitted, state.size());
  return 0;
}

// Loads the snapshot kRepeats times (the first run warms caches and is not counted) and reports
// the median load and encode times, and the heap held by one loaded document.
int bench_snapshot(const char* path) {
  constexpr int kRepeats = 11;
  const auto snapshot = read_file(path);
  std::vector<double> load_ms, encode_ms;
  std::size_t doc_bytes = 0;
  bool identical = true;
  for (int i = 0; i < kRepeats; ++i) {
    const std::size_t heap_before = heap_in_use();
    const auto start = Clock::now();
    auto doc = std::make_unique<crdt::Doc>();
    // Loading persisted state emits no update: Yjs only encodes one when an 'update' listener
    // exists, and yjs_bench.mjs registers none for this measurement.
    doc->apply_update(snapshot, crdt::ApplyOptions{.emit_update = false});
    const double load = ms_since(start);
    doc_bytes = heap_in_use() - heap_before;
    const auto encode_start = Clock::now();
    const auto encoded = doc->encode_state_as_update();
    const double encode = ms_since(encode_start);
    identical = identical && encoded == std::vector<std::uint8_t>(snapshot.begin(), snapshot.end());
    if (i == 0) continue;
    load_ms.push_back(load);
    encode_ms.push_back(encode);
  }
  std::printf(
      "{\"name\":\"snapshot\",\"load_ms\":%.3f,\"encode_ms\":%.3f,\"doc_bytes\":%zu,"
      "\"snapshot_bytes\":%zu,\"identical\":%s}\n",
      median(load_ms), median(encode_ms), doc_bytes, snapshot.size(), identical ? "true" : "false");
  return 0;
}

struct Patch {
  std::uint64_t txn, pos, del;
  std::string text;
};

int bench_replay(const char* path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  std::vector<Patch> patches;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Patch p;
    std::string quoted;
    fields >> p.txn >> p.pos >> p.del >> std::ws;
    std::getline(fields, quoted);
    p.text = crdt::json_parse(quoted).as_string();
    patches.push_back(std::move(p));
  }
  const auto text = crdt::SharedRef::root_type("text");
  crdt::Doc doc(crdt::DocOptions{.gc = true, .client_id = 1});
  std::size_t emitted = 0, txns = 0;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < patches.size();) {
    const std::size_t end = [&] {
      std::size_t j = i;
      while (j < patches.size() && patches[j].txn == patches[i].txn) ++j;
      return j;
    }();
    emitted += doc.transact([&](crdt::Edit& e) {
                    for (std::size_t k = i; k < end; ++k) {
                      if (patches[k].del > 0) e.delete_text(text, patches[k].pos, patches[k].del);
                      if (!patches[k].text.empty())
                        e.insert_text(text, patches[k].pos, patches[k].text);
                    }
                  })
                   .update.size();
    ++txns;
    i = end;
  }
  const double ms = ms_since(start);
  const auto state = doc.encode_state_as_update();
  std::printf(
      "{\"name\":\"replay\",\"ms\":%.3f,\"txns\":%zu,\"emitted_bytes\":%zu,"
      "\"state_bytes\":%zu,\"length\":%llu}\n",
      ms, txns, emitted, state.size(), static_cast<unsigned long long>(doc.length(text)));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: crdt_bench updates|snapshot|replay FILE\n";
    return 2;
  }
  const std::string mode = argv[1];
  try {
    if (mode == "updates") return bench_updates(argv[2]);
    if (mode == "snapshot") return bench_snapshot(argv[2]);
    if (mode == "replay") return bench_replay(argv[2]);
  } catch (const std::exception& e) {
    std::cerr << "crdt_bench: " << e.what() << '\n';
    return 1;
  }
  std::cerr << "crdt_bench: unknown mode '" << mode << "'\n";
  return 2;
}
