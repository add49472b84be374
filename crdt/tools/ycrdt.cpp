// ycrdt: command-line driver of the crdt library, used by the node differential tests to compare
// this port with real Yjs. The interface below is a contract: test tools depend on it.
//
//   ycrdt state [--no-gc] INPUT...          encodeStateAsUpdate(doc)
//   ycrdt sv [--no-gc] INPUT...             encodeStateVector(doc)
//   ycrdt diff [--no-gc] --sv HEX INPUT...  encodeStateAsUpdate(doc, sv)
//   ycrdt merge INPUT...                    mergeUpdates(updates), no document
//   ycrdt diffupdate --sv HEX INPUT         diffUpdate(update, sv), no document
//   ycrdt svfromupdate INPUT                encodeStateVectorFromUpdate(update), no document
//   ycrdt json [--no-gc] [--text N] [--delta N] [--map N] [--array N] [--xml N]... INPUT...
//
// Extension (not part of the fixed contract): `json --xmltree N` prints root N as the XML tree
// of crdt::Doc::xml_tree (crdt/xml.hpp): an array of {"type":"element","name":..,"attributes":
// {..},"children":[..]} / {"type":"text","delta":[..]} / hook / fragment / value nodes.
//
//   ycrdt batch                             many requests on stdin, one answer line each
//
// INPUTs are V1 updates: a file path (raw bytes) or `-` for stdin with one lowercase-hex update
// per line (blank lines ignored). Updates are applied in order to a fresh document (gc on unless
// --no-gc). Binary results print as one line of lowercase hex. Errors go to stderr with exit 1.
//
// Batch mode serves many requests from one process (process start-up dominates the test suites):
//   request  one line with the arguments of an ordinary invocation (e.g. `state --no-gc -`,
//            `json --text 'a b' -`, `diff --sv 0101 -`), split like a POSIX shell splits words
//            ('single quotes', "double quotes" with \" and \\, backslash escapes; '' is an empty
//            argument); then the hex update lines that `-` reads; then one empty line (a
//            whitespace-only line). Empty lines where a request line is expected are skipped.
//   answer   exactly one line: `ok <what the ordinary command prints on stdout, without its
//            trailing newline>` or `err <the message the ordinary command prints on stderr>`.
// Each request runs exactly as the ordinary command would with the hex lines as its stdin; the
// answer is flushed at once; an error in one request never ends the batch; EOF ends it (exit 0).
#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/any.hpp"
#include "crdt/doc.hpp"
#include "crdt/updates.hpp"

namespace {

constexpr const char* kUsage =
    "usage: ycrdt COMMAND [OPTIONS] INPUT...\n"
    "\n"
    "Applies Yjs V1 updates to a fresh document (like Y.applyUpdate) and prints the result.\n"
    "INPUT is a file of raw update bytes, or '-' for stdin with one hex update per line.\n"
    "\n"
    "commands:\n"
    "  state [--no-gc] INPUT...          Y.encodeStateAsUpdate(doc), as hex\n"
    "  sv [--no-gc] INPUT...             Y.encodeStateVector(doc), as hex\n"
    "  diff [--no-gc] --sv HEX INPUT...  Y.encodeStateAsUpdate(doc, sv), as hex\n"
    "  merge INPUT...                    Y.mergeUpdates(updates), as hex (no document)\n"
    "  diffupdate --sv HEX INPUT         Y.diffUpdate(update, sv), as hex (no document)\n"
    "  svfromupdate INPUT                Y.encodeStateVectorFromUpdate(update), as hex\n"
    "  json [--no-gc] [--text N] [--delta N] [--map N] [--array N] [--xml N]... INPUT...\n"
    "                                    one JSON object: root N as Text toString(), Text\n"
    "                                    toDelta(), Map toJSON(), Array toJSON() or XmlFragment\n"
    "                                    toString(); Uint8Array prints as an array of numbers\n"
    "                                    --xmltree N: root N as an XML tree (elements with\n"
    "                                    attributes and children, texts as toDelta())\n"
    "  batch                             serve many requests from stdin, one answer line each:\n"
    "                                    request = one line of ordinary arguments (shell-style\n"
    "                                    quoting, INPUT '-'), the hex update lines, an empty\n"
    "                                    line; answer = 'ok <stdout without newline>' or\n"
    "                                    'err <message>', flushed per request\n"
    "\n"
    "options:\n"
    "  --no-gc      apply with garbage collection off (new Y.Doc({gc: false}))\n"
    "  --sv HEX     target state vector as hex\n"
    "  -h, --help   this help\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

crdt::Bytes parse_hex(std::string_view s) {
  crdt::Bytes out;
  out.reserve(s.size() / 2);
  int hi = -1;
  for (const char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      continue;
    }
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      throw UsageError("invalid hex character '" + std::string(1, c) + "'");
    }
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  if (hi >= 0) {
    throw UsageError("odd number of hex digits");
  }
  return out;
}

std::string to_hex(crdt::ByteView b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (const auto v : b) {
    s += kHex[v >> 4];
    s += kHex[v & 0xf];
  }
  return s;
}

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

// `-` reads `in` (stdin, or a batch request's hex lines) to its end.
void read_inputs(const std::vector<std::string>& paths, std::istream& in,
                 std::vector<crdt::Bytes>& out) {
  for (const auto& p : paths) {
    if (p == "-") {
      std::string line;
      while (std::getline(in, line)) {
        if (!is_blank(line)) {
          out.push_back(parse_hex(line));
        }
      }
      continue;
    }
    std::ifstream f(p, std::ios::binary);
    if (!f) {
      throw UsageError("cannot open " + p);
    }
    out.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
}

struct Args {
  std::string command;
  bool gc = true;
  std::optional<crdt::Bytes> sv;
  std::vector<std::pair<crdt::RootKind, std::string>> roots;
  std::vector<std::string> inputs;
};

// argv without the program name: argv[0] is the command.
Args parse_args(const std::vector<std::string>& argv) {
  Args a;
  if (argv.empty()) {
    throw UsageError("missing command");
  }
  a.command = argv[0];
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argv.size()) {
        throw UsageError(arg + " needs a value");
      }
      return argv[++i];
    };
    if (arg == "--no-gc") {
      a.gc = false;
    } else if (arg == "--sv") {
      a.sv = parse_hex(value());
    } else if (arg == "--text") {
      a.roots.emplace_back(crdt::RootKind::text, value());
    } else if (arg == "--delta") {
      a.roots.emplace_back(crdt::RootKind::text_delta, value());
    } else if (arg == "--map") {
      a.roots.emplace_back(crdt::RootKind::map, value());
    } else if (arg == "--array") {
      a.roots.emplace_back(crdt::RootKind::array, value());
    } else if (arg == "--xml") {
      a.roots.emplace_back(crdt::RootKind::xml_fragment, value());
    } else if (arg == "--xmltree") {
      a.roots.emplace_back(crdt::RootKind::xml_tree, value());
    } else if (arg == "-" || arg.empty() || arg[0] != '-') {
      a.inputs.push_back(arg);
    } else {
      throw UsageError("unknown option " + arg);
    }
  }
  return a;
}

crdt::Doc load(const Args& a, const std::vector<crdt::Bytes>& updates) {
  crdt::Doc doc(crdt::DocOptions{.gc = a.gc, .client_id = 0});
  for (const auto& u : updates) {
    doc.apply_update(u);
  }
  return doc;
}

bool is_help(const std::vector<std::string>& argv) {
  return !argv.empty() && (argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help");
}

// One ordinary command (not help, not batch): `in` is what `-` reads, the result goes to `out`.
void run_command(const std::vector<std::string>& argv, std::istream& in, std::ostream& out) {
  const Args a = parse_args(argv);
  if (a.command == "batch") {
    throw UsageError("batch cannot be nested");
  }
  std::vector<crdt::Bytes> updates;
  read_inputs(a.inputs, in, updates);

  if (a.command == "state") {
    out << to_hex(load(a, updates).encode_state_as_update()) << '\n';
  } else if (a.command == "sv") {
    out << to_hex(load(a, updates).encode_state_vector()) << '\n';
  } else if (a.command == "diff") {
    if (!a.sv) {
      throw UsageError("diff needs --sv HEX");
    }
    out << to_hex(load(a, updates).encode_state_as_update(*a.sv)) << '\n';
  } else if (a.command == "merge") {
    out << to_hex(crdt::merge_updates(updates)) << '\n';
  } else if (a.command == "diffupdate") {
    if (!a.sv || updates.size() != 1) {
      throw UsageError("diffupdate needs --sv HEX and exactly one update");
    }
    out << to_hex(crdt::diff_update(updates[0], *a.sv)) << '\n';
  } else if (a.command == "svfromupdate") {
    if (updates.size() != 1) {
      throw UsageError("svfromupdate needs exactly one update");
    }
    out << to_hex(crdt::encode_state_vector_from_update(updates[0])) << '\n';
  } else if (a.command == "json") {
    const crdt::Doc doc = load(a, updates);
    // Built like a JS object literal: a repeated name keeps its first position, last value wins,
    // and array-index names come first.
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& [kind, name] : a.roots) {
      std::string value = doc.to_json(name, kind);
      bool replaced = false;
      for (auto& f : fields) {
        if (f.first == name) {
          f.second = std::move(value);
          replaced = true;
        }
      }
      if (!replaced) {
        fields.emplace_back(name, std::move(value));
      }
    }
    std::stable_partition(fields.begin(), fields.end(),
                          [](const auto& f) { return crdt::is_array_index(f.first); });
    std::sort(
        fields.begin(),
        std::find_if(fields.begin(), fields.end(),
                     [](const auto& f) { return !crdt::is_array_index(f.first); }),
        [](const auto& x, const auto& y) { return std::stoull(x.first) < std::stoull(y.first); });
    std::string json = "{";
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) {
        json += ',';
      }
      crdt::json_quote(fields[i].first, json);
      json += ':';
      json += fields[i].second;
    }
    json += '}';
    out << json << '\n';
  } else {
    throw UsageError("unknown command " + a.command);
  }
}

// Splits a batch request line into words like a POSIX shell (no expansions): blanks separate
// words, 'single quotes' are literal, "double quotes" take \" and \\ escapes, a backslash outside
// quotes escapes the next character.
std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const auto end = line.find('\'', i + 1);
      if (end == std::string_view::npos) {
        throw UsageError("unterminated ' in request");
      }
      word.append(line.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= line.size()) {
          throw UsageError("unterminated \" in request");
        }
        if (line[i] == '"') {
          break;
        }
        if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) {
          ++i;
        }
        word += line[i];
      }
    } else if (c == '\\') {
      if (i + 1 >= line.size()) {
        throw UsageError("trailing \\ in request");
      }
      word += line[++i];
    } else {
      word += c;
    }
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  return words;
}

// The error message main() prints after "ycrdt: " for an exception of an ordinary command.
std::string error_message(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown error";
  }
}

int run_batch(std::istream& in, std::ostream& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (is_blank(line)) {
      continue;  // between requests
    }
    // The whole request (up to its empty line) is read before it runs, so a bad request line
    // never desynchronizes the stream.
    std::string hex;
    std::string l;
    while (std::getline(in, l) && !is_blank(l)) {
      hex += l;
      hex += '\n';
    }
    std::string answer;
    try {
      const auto argv = split_words(line);
      if (is_help(argv)) {
        throw UsageError("help is not a batch request");
      }
      std::istringstream request_in(std::move(hex));
      std::ostringstream request_out;
      run_command(argv, request_in, request_out);
      std::string result = std::move(request_out).str();
      if (result.empty() || result.back() != '\n' || result.find('\n') != result.size() - 1) {
        throw std::runtime_error("internal: output is not one line");
      }
      result.pop_back();
      answer = "ok " + result;
    } catch (...) {
      answer = "err " + error_message(std::current_exception());
      std::replace(answer.begin(), answer.end(), '\n', ' ');
    }
    out << answer << '\n';
    out.flush();
  }
  return 0;
}

int run(const std::vector<std::string>& argv) {
  if (is_help(argv)) {
    std::cout << kUsage;
    return 0;
  }
  if (!argv.empty() && argv[0] == "batch") {
    if (argv.size() != 1) {
      throw UsageError("batch takes no arguments");
    }
    return run_batch(std::cin, std::cout);
  }
  run_command(argv, std::cin, std::cout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& e) {
    std::cerr << "ycrdt: " << e.what() << "\n\n" << kUsage;
    return 2;
  } catch (const crdt::Error& e) {
    std::cerr << "ycrdt: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "ycrdt: " << e.what() << '\n';
    return 1;
  }
}
