// crdt_edit_driver: replays an edit script on a crdt::Doc so that reverse.test.mjs can compare,
// byte for byte, the updates the C++ library authors with those Yjs authors for the same edits.
// A test tool, not part of the product (the fixed `ycrdt` contract has no editing command).
//
// Input: one JSON command per line; output: one line per command, `ok …` or `err <message>`.
//   {"new": {"client": N, "gc": true}}   a fresh document                     → ok
//   {"apply": "HEX"}                     a remote update                      → ok UPDATE CLEANUP
//   {"tx": [EDIT, …]}                    one local transaction                → ok UPDATE
//   {"getText": "ROOT"}                  Doc::get_text (doc.getText)          → ok
//   {"state": true}                      encodeStateAsUpdate                   → ok STATE
//   {"json": [[ROOT, KIND], …]}          Doc::to_json of each root, KIND one of
//                                        text|delta|array|map|xml             → ok {"ROOT": …}
// UPDATE and CLEANUP are lowercase hex, `-` when empty. An EDIT is an array:
//   ["insertText", REF, index, "text", ATTRS|null]   ["insertEmbed", REF, index, EMBED, ATTRS]
//   ["deleteText", REF, index, length]               ["format", REF, index, length, ATTRS]
//   ["insert", REF, index, [VALUE, …]]               ["push", REF, [VALUE, …]]
//   ["remove", REF, index, length]                   ["set", REF, "key", VALUE]
//   ["removeKey", REF, "key"]
// REF is a root's name or [client, clock] (the id of the item holding a nested type); VALUE is
// {"any": JSON} | {"bin": [bytes]} | {"new": "map|array|text|xml_element|xml_fragment|xml_hook|
// xml_text", "name": "…"}.
#include <cstdint>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "crdt/any.hpp"
#include "crdt/doc.hpp"
#include "crdt/error.hpp"

namespace {

using crdt::Any;
using crdt::AnyArray;
using crdt::AnyObject;

std::string to_hex(const crdt::Bytes& bytes) {
  if (bytes.empty()) return "-";
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

crdt::Bytes from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::invalid_argument("bad hex digit");
  };
  crdt::Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return out;
}

const Any& field(const Any& object, std::string_view key) {
  if (!object.is_object()) throw std::invalid_argument("expected an object");
  const Any* v = object.as_object().find(key);
  if (v == nullptr) throw std::invalid_argument("missing field " + std::string(key));
  return *v;
}

const Any& at(const AnyArray& array, std::size_t i) {
  if (i >= array.size()) throw std::invalid_argument("edit has too few arguments");
  return array[i];
}

std::uint64_t integer(const Any& v) {
  if (!v.is_number() || v.as_number() < 0) throw std::invalid_argument("expected an index");
  return static_cast<std::uint64_t>(v.as_number());
}

crdt::SharedRef ref_of(const Any& v) {
  if (v.is_string()) return crdt::SharedRef::root_type(v.as_string());
  if (v.is_array() && v.as_array().size() == 2) {
    return crdt::SharedRef::nested(crdt::Id{integer(v.as_array()[0]), integer(v.as_array()[1])});
  }
  throw std::invalid_argument("bad type reference");
}

AnyObject attributes_of(const Any& v) {
  if (v.is_null()) return {};
  if (!v.is_object()) throw std::invalid_argument("attributes must be an object");
  return v.as_object();
}

crdt::SharedKind kind_of(const std::string& name) {
  using K = crdt::SharedKind;
  if (name == "map") return K::map;
  if (name == "array") return K::array;
  if (name == "text") return K::text;
  if (name == "xml_element") return K::xml_element;
  if (name == "xml_fragment") return K::xml_fragment;
  if (name == "xml_hook") return K::xml_hook;
  if (name == "xml_text") return K::xml_text;
  throw std::invalid_argument("unknown shared type " + name);
}

crdt::Value value_of(const Any& v) {
  if (!v.is_object()) throw std::invalid_argument("a value must be an object");
  const AnyObject& o = v.as_object();
  if (const Any* any = o.find("any")) return *any;
  if (const Any* bin = o.find("bin")) {
    crdt::Bytes bytes;
    for (const Any& b : bin->as_array()) bytes.push_back(static_cast<std::uint8_t>(integer(b)));
    return Any(std::move(bytes));
  }
  const Any* name = o.find("name");
  return crdt::NewShared{kind_of(field(v, "new").as_string()),
                         name != nullptr ? name->as_string() : std::string()};
}

std::vector<crdt::Value> values_of(const Any& v) {
  std::vector<crdt::Value> out;
  for (const Any& x : v.as_array()) out.push_back(value_of(x));
  return out;
}

void run_edit(crdt::Edit& e, const AnyArray& edit) {
  const std::string& op = at(edit, 0).as_string();
  const crdt::SharedRef ref = ref_of(at(edit, 1));
  if (op == "insertText") {
    const std::string& text = at(edit, 3).as_string();
    if (at(edit, 4).is_null()) {
      e.insert_text(ref, integer(at(edit, 2)), text);
    } else {
      e.insert_text(ref, integer(at(edit, 2)), text, attributes_of(at(edit, 4)));
    }
  } else if (op == "insertEmbed") {
    e.insert_embed(ref, integer(at(edit, 2)), at(edit, 3), attributes_of(at(edit, 4)));
  } else if (op == "deleteText") {
    e.delete_text(ref, integer(at(edit, 2)), integer(at(edit, 3)));
  } else if (op == "format") {
    e.format_text(ref, integer(at(edit, 2)), integer(at(edit, 3)), attributes_of(at(edit, 4)));
  } else if (op == "insert") {
    const auto values = values_of(at(edit, 3));
    e.insert(ref, integer(at(edit, 2)), values);
  } else if (op == "push") {
    const auto values = values_of(at(edit, 2));
    e.push(ref, values);
  } else if (op == "remove") {
    e.remove(ref, integer(at(edit, 2)), integer(at(edit, 3)));
  } else if (op == "set") {
    e.set(ref, at(edit, 2).as_string(), value_of(at(edit, 3)));
  } else if (op == "removeKey") {
    e.remove_key(ref, at(edit, 2).as_string());
  } else {
    throw std::invalid_argument("unknown edit " + op);
  }
}

crdt::RootKind root_kind_of(const std::string& kind) {
  if (kind == "text") return crdt::RootKind::text;
  if (kind == "delta") return crdt::RootKind::text_delta;
  if (kind == "array") return crdt::RootKind::array;
  if (kind == "map") return crdt::RootKind::map;
  if (kind == "xml") return crdt::RootKind::xml_fragment;
  throw std::invalid_argument("unknown root kind " + kind);
}

std::string run_command(std::optional<crdt::Doc>& doc, const Any& command) {
  const AnyObject& c = command.as_object();
  if (const Any* opts = c.find("new")) {
    doc.emplace(crdt::DocOptions{.gc = field(*opts, "gc").as_bool(),
                                 .client_id = integer(field(*opts, "client"))});
    return "ok";
  }
  if (!doc) throw std::invalid_argument("no document: send {\"new\": …} first");
  if (const Any* update = c.find("apply")) {
    const auto r = doc->apply_update(from_hex(update->as_string()));
    return "ok " + to_hex(r.update) + " " + to_hex(r.cleanup_update);
  }
  if (const Any* edits = c.find("tx")) {
    const auto r = doc->transact([&](crdt::Edit& e) {
      for (const Any& edit : edits->as_array()) run_edit(e, edit.as_array());
    });
    return "ok " + to_hex(r.update);
  }
  if (const Any* root = c.find("getText")) {
    doc->get_text(root->as_string());
    return "ok";
  }
  if (c.find("state") != nullptr) return "ok " + to_hex(doc->encode_state_as_update());
  if (const Any* roots = c.find("json")) {
    std::string out = "ok {";
    bool first = true;
    for (const Any& root : roots->as_array()) {
      const std::string& name = root.as_array().at(0).as_string();
      if (!first) out += ',';
      first = false;
      crdt::json_quote(name, out);
      out += ':';
      out += doc->to_json(name, root_kind_of(root.as_array().at(1).as_string()));
    }
    return out + "}";
  }
  throw std::invalid_argument("unknown command");
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::optional<crdt::Doc> doc;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::string answer;
    try {
      answer = run_command(doc, crdt::json_parse(line));
    } catch (const crdt::Error& e) {
      answer = std::string("err crdt: ") + e.what();
    } catch (const std::exception& e) {
      answer = std::string("err ") + e.what();
    }
    std::cout << answer << '\n';
  }
  return 0;
}
