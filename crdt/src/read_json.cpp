// Reading shared types the way Yjs presents them: YText toString/toDelta, YArray/YMap toJSON and
// the YXml* toString renderers (yjs src/types/*.js), including the JS coercions they rely on
// (String(value), `for...in` key order, JSON.stringify of nested types).
#include <algorithm>

#include "doc_impl.hpp"
#include "utf16.hpp"

namespace crdt {

namespace {

// Appends one UTF-16 code unit as (generalized) UTF-8; lone surrogates stay representable so
// that JSON.stringify can escape them.
void append_unit(std::string& out, unsigned cu) {
  if (cu < 0x80) {
    out += static_cast<char>(cu);
  } else if (cu < 0x800) {
    out += static_cast<char>(0xc0 | (cu >> 6));
    out += static_cast<char>(0x80 | (cu & 0x3f));
  } else {
    out += static_cast<char>(0xe0 | (cu >> 12));
    out += static_cast<char>(0x80 | ((cu >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cu & 0x3f));
  }
}

// str.split(''): one string per UTF-16 code unit.
std::vector<std::string> split_units(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xf0 && i + 3 < s.size()) {
      const unsigned cp = ((c & 0x07u) << 18) |
                          ((static_cast<unsigned char>(s[i + 1]) & 0x3fu) << 12) |
                          ((static_cast<unsigned char>(s[i + 2]) & 0x3fu) << 6) |
                          (static_cast<unsigned char>(s[i + 3]) & 0x3fu);
      const unsigned v = cp - 0x10000;
      std::string hi;
      std::string lo;
      append_unit(hi, 0xd800 + (v >> 10));
      append_unit(lo, 0xdc00 + (v & 0x3ff));
      out.push_back(std::move(hi));
      out.push_back(std::move(lo));
      i += 4;
      continue;
    }
    const std::size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : 3;
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// UTF-16 code units of (generalized) UTF-8, for JS string comparison order.
std::u16string to_units(std::string_view s) {
  std::u16string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    unsigned cp;
    std::size_t n;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if (c < 0xe0) {
      cp = c & 0x1fu;
      n = 2;
    } else if (c < 0xf0) {
      cp = c & 0x0fu;
      n = 3;
    } else {
      cp = c & 0x07u;
      n = 4;
    }
    for (std::size_t k = 1; k < n && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3fu);
    }
    if (cp >= 0x10000) {
      out += static_cast<char16_t>(0xd800 + ((cp - 0x10000) >> 10));
      out += static_cast<char16_t>(0xdc00 + ((cp - 0x10000) & 0x3ff));
    } else {
      out += static_cast<char16_t>(cp);
    }
    i += n;
  }
  return out;
}

bool js_less(const std::string& a, const std::string& b) { return to_units(a) < to_units(b); }

// String.prototype.toLocaleLowerCase for the scripts XML node names use in practice: ASCII,
// Latin-1, basic Greek and Cyrillic. Other characters are kept as they are.
std::string to_lower(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      ++i;
      continue;
    }
    if (c >= 0xc0 && c < 0xe0 && i + 1 < s.size()) {
      unsigned cp = ((c & 0x1fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3fu);
      if ((cp >= 0xc0 && cp <= 0xde && cp != 0xd7) || (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2) ||
          (cp >= 0x410 && cp <= 0x42f)) {
        cp += 32;
      } else if (cp >= 0x400 && cp <= 0x40f) {
        cp += 80;
      }
      append_unit(out, cp);
      i += 2;
      continue;
    }
    const std::size_t n = c < 0xf0 ? 3 : 4;
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

struct DeltaOp {
  enum class Kind { text, embed, type } kind = Kind::text;
  std::string text;
  Any embed;
  const Branch* type = nullptr;
  std::vector<std::pair<std::string, Any>> attributes;  // JS Map order
};

class Reader {
 public:
  explicit Reader(const DocImpl& d) : d_(d) {}

  const Item& item(ItemRef r) const { return d_.pool_[r]; }

  std::string text_string(const Branch* b) const {
    std::string s;
    for (ItemRef r = b->start; r != kNoItem; r = item(r).right) {
      const Item& it = item(r);
      if (!it.deleted() && it.countable() && it.ref == content_ref::string) {
        s += d_.item_str(it);
      }
    }
    return s;
  }

  // YText.toDelta without snapshots.
  std::vector<DeltaOp> delta(const Branch* b) const {
    std::vector<DeltaOp> ops;
    std::vector<std::pair<std::string, Any>> current;
    std::string str;
    auto pack_str = [&] {
      if (!str.empty()) {
        DeltaOp op;
        op.text = std::move(str);
        op.attributes = current;
        ops.push_back(std::move(op));
        str.clear();
      }
    };
    for (ItemRef r = b->start; r != kNoItem; r = item(r).right) {
      const Item& it = item(r);
      if (it.deleted()) {
        continue;
      }
      switch (it.ref) {
        case content_ref::string:
          str += d_.item_str(it);
          break;
        case content_ref::type:
        case content_ref::embed: {
          pack_str();
          DeltaOp op;
          if (it.ref == content_ref::type) {
            op.kind = DeltaOp::Kind::type;
            op.type = it.branch();
          } else {
            op.kind = DeltaOp::Kind::embed;
            op.embed = std::get<Any>(*it.box());
          }
          op.attributes = current;
          ops.push_back(std::move(op));
          break;
        }
        case content_ref::format: {
          pack_str();
          const auto& f = std::get<FormatValue>(*it.box());
          auto pos = std::find_if(current.begin(), current.end(),
                                  [&f](const auto& e) { return e.first == f.key; });
          if (f.value->is_null()) {
            if (pos != current.end()) {
              current.erase(pos);
            }
          } else if (pos != current.end()) {
            pos->second = *f.value;
          } else {
            current.emplace_back(f.key, *f.value);
          }
          break;
        }
        default:
          break;
      }
    }
    pack_str();
    return ops;
  }

  // `obj[key] = value` for every pair, as the JS code building plain objects does.
  static AnyObject assign(std::vector<std::pair<std::string, Any>> entries) {
    return AnyObject::from_assignments(std::move(entries), /*drop_proto=*/true);
  }

  Any delta_json(const Branch* b) const {
    AnyArray out;
    for (auto& op : delta(b)) {
      std::vector<std::pair<std::string, Any>> fields;
      switch (op.kind) {
        case DeltaOp::Kind::text:
          fields.emplace_back("insert", std::move(op.text));
          break;
        case DeltaOp::Kind::embed:
          fields.emplace_back("insert", std::move(op.embed));
          break;
        case DeltaOp::Kind::type:
          fields.emplace_back("insert", type_json(op.type));
          break;
      }
      if (!op.attributes.empty()) {
        fields.emplace_back("attributes", assign(std::move(op.attributes)));
      }
      out.emplace_back(assign(std::move(fields)));
    }
    return out;
  }

  // getContent() of one item, as JSON-ready values (nested types already toJSON'd).
  void content_json(const Item& it, AnyArray& out) const {
    switch (it.ref) {
      case content_ref::string:
        for (auto& u : split_units(d_.item_str(it))) {
          out.emplace_back(std::move(u));
        }
        break;
      case content_ref::json:
      case content_ref::any: {
        const auto& v = std::get<AnyArray>(*it.box());
        out.insert(out.end(), v.begin(), v.end());
        break;
      }
      case content_ref::binary:
        out.emplace_back(std::get<Bytes>(*it.box()));
        break;
      case content_ref::embed:
        out.push_back(std::get<Any>(*it.box()));
        break;
      case content_ref::type:
        out.push_back(type_json(it.branch()));
        break;
      case content_ref::doc:
        out.emplace_back(AnyObject{});  // JSON.stringify(Y.Doc) is {}
        break;
      default:
        break;  // Deleted and Format have no content
    }
  }

  Any array_json(const Branch* b) const {
    AnyArray out;
    for (ItemRef r = b->start; r != kNoItem; r = item(r).right) {
      const Item& it = item(r);
      if (it.countable() && !it.deleted()) {
        content_json(it, out);
      }
    }
    return out;
  }

  Any map_json(const Branch* b) const {
    std::vector<std::pair<std::string, Any>> entries;
    for (const auto& e : d_.map_entries(b)) {
      const Item& it = item(e.item);
      if (it.deleted()) {
        continue;
      }
      AnyArray content;
      content_json(it, content);
      // getContent()[length - 1]; Format content is empty, which reads as undefined.
      entries.emplace_back(d_.slot(e.slot).key,
                           content.empty() ? Any(Undefined{}) : std::move(content.back()));
    }
    return assign(std::move(entries));
  }

  // type.toJSON()
  Any type_json(const Branch* b) const {
    switch (b->type_ref) {
      case TypeRef::array:
        return array_json(b);
      case TypeRef::map:
      case TypeRef::xml_hook:
        return map_json(b);
      case TypeRef::text:
        return text_string(b);
      case TypeRef::xml_element:
      case TypeRef::xml_fragment:
      case TypeRef::xml_text:
        return type_string(b);
    }
    return Undefined{};
  }

  // String(type): the toString of the class, or Object.prototype.toString.
  std::string type_string(const Branch* b) const {
    switch (b->type_ref) {
      case TypeRef::text:
        return text_string(b);
      case TypeRef::xml_text:
        return xml_text_string(b);
      case TypeRef::xml_element:
        return xml_element_string(b);
      case TypeRef::xml_fragment:
        return xml_fragment_string(b);
      default:
        return "[object Object]";
    }
  }

  // YXmlFragment.toString: typeListMap(xml => xml.toString()).join('').
  std::string xml_fragment_string(const Branch* b) const {
    std::string s;
    for (ItemRef r = b->start; r != kNoItem; r = item(r).right) {
      const Item& it = item(r);
      if (!it.countable() || it.deleted()) {
        continue;
      }
      switch (it.ref) {
        case content_ref::string:
          s += d_.item_str(it);  // the characters, one by one
          break;
        case content_ref::json:
        case content_ref::any:
          for (const Any& v : std::get<AnyArray>(*it.box())) {
            if (v.is_null() || v.is_undefined()) {
              throw Error(ErrorCode::malformed, "Cannot read properties of null (toString)");
            }
            s += js_to_string(v);
          }
          break;
        case content_ref::binary:
          s += js_to_string(std::get<Bytes>(*it.box()));
          break;
        case content_ref::embed:
          s += js_to_string(std::get<Any>(*it.box()));
          break;
        case content_ref::type:
          s += type_string(it.branch());
          break;
        default:
          s += "[object Object]";  // a subdocument
      }
    }
    return s;
  }

  // String(v) of one map value (used for XML attributes).
  std::string item_value_string(const Item& it) const {
    switch (it.ref) {
      case content_ref::type:
        return type_string(it.branch());
      case content_ref::doc:
        return "[object Object]";
      case content_ref::string: {
        auto units = split_units(d_.item_str(it));
        return units.empty() ? std::string() : units.back();
      }
      default: {
        AnyArray content;
        content_json(it, content);
        return content.empty() ? "undefined" : js_to_string(content.back());
      }
    }
  }

  // YXmlElement.toString: attributes sorted by name, nodeName lower-cased.
  std::string xml_element_string(const Branch* b) const {
    std::vector<std::pair<std::string, std::string>> attrs;
    for (const auto& e : d_.map_entries(b)) {
      const Item& it = item(e.item);
      if (it.deleted() || d_.slot(e.slot).key == "__proto__") {
        continue;
      }
      attrs.emplace_back(d_.slot(e.slot).key, item_value_string(it));
    }
    std::sort(attrs.begin(), attrs.end(),
              [](const auto& x, const auto& y) { return js_less(x.first, y.first); });
    const std::string name = to_lower(b->name);
    std::string s = "<" + name;
    for (const auto& [k, v] : attrs) {
      s += ' ';
      s += k;
      s += "=\"";
      s += v;
      s += '"';
    }
    s += '>';
    s += xml_fragment_string(b);
    s += "</" + name + ">";
    return s;
  }

  // --- the XML tree view (crdt/xml.hpp) ---

  // One node per element of type.toArray() / an embedded type.
  XmlNode type_node(const Branch* b) const {
    XmlNode n;
    switch (b->type_ref) {
      case TypeRef::xml_element:
        n.kind = XmlNode::Kind::element;
        n.name = b->name;
        n.attributes = std::get<AnyObject>(map_json(b).value());  // typeMapGetAll
        n.children = xml_children(b);
        break;
      case TypeRef::xml_fragment:
        n.kind = XmlNode::Kind::fragment;
        n.children = xml_children(b);
        break;
      case TypeRef::xml_text:
        n.kind = XmlNode::Kind::text;
        n.delta = xml_delta(b);
        break;
      case TypeRef::xml_hook:
        n.kind = XmlNode::Kind::hook;
        n.name = b->name;
        n.attributes = std::get<AnyObject>(map_json(b).value());  // YMap.toJSON
        break;
      default:
        n.kind = XmlNode::Kind::value;
        n.value = type_json(b);
        break;
    }
    return n;
  }

  // typeListToArray(b), mapped to nodes.
  std::vector<XmlNode> xml_children(const Branch* b) const {
    std::vector<XmlNode> out;
    for (ItemRef r = b->start; r != kNoItem; r = item(r).right) {
      const Item& it = item(r);
      if (!it.countable() || it.deleted()) {
        continue;
      }
      if (it.ref == content_ref::type) {
        out.push_back(type_node(it.branch()));
        continue;
      }
      AnyArray values;
      content_json(it, values);
      for (auto& v : values) {
        XmlNode n;
        n.kind = XmlNode::Kind::value;
        n.value = std::move(v);
        out.push_back(std::move(n));
      }
    }
    return out;
  }

  // YText.toDelta of an XmlText, embedded types as nodes.
  std::vector<XmlDeltaOp> xml_delta(const Branch* b) const {
    std::vector<XmlDeltaOp> out;
    for (auto& op : delta(b)) {
      XmlDeltaOp x;
      switch (op.kind) {
        case DeltaOp::Kind::text:
          x.kind = XmlDeltaOp::Kind::text;
          x.text = std::move(op.text);
          break;
        case DeltaOp::Kind::embed:
          x.kind = XmlDeltaOp::Kind::embed;
          x.embed = std::move(op.embed);
          break;
        case DeltaOp::Kind::type:
          x.kind = XmlDeltaOp::Kind::type;
          x.type.push_back(type_node(op.type));
          break;
      }
      x.attributes = assign(std::move(op.attributes));
      out.push_back(std::move(x));
    }
    return out;
  }

  // YXmlText.toString: each delta op wrapped in one tag per attribute, tags and their
  // attributes sorted by name.
  std::string xml_text_string(const Branch* b) const {
    std::string s;
    for (auto& op : delta(b)) {
      struct Node {
        std::string name;
        std::vector<std::pair<std::string, std::string>> attrs;
      };
      std::vector<Node> nodes;
      const AnyObject attributes = assign(std::move(op.attributes));
      for (const auto& [node_name, value] : attributes.entries()) {
        Node n{node_name, {}};
        // for (const key in value): own enumerable keys of objects, indices of strings/arrays.
        if (value.is_object()) {
          for (const auto& [k, v] : value.as_object().entries()) {
            n.attrs.emplace_back(k, js_to_string(v));
          }
        } else if (value.is_array()) {
          const auto& arr = value.as_array();
          for (std::size_t i = 0; i < arr.size(); ++i) {
            n.attrs.emplace_back(std::to_string(i), js_to_string(arr[i]));
          }
        } else if (value.is_string()) {
          const auto units = split_units(value.as_string());
          for (std::size_t i = 0; i < units.size(); ++i) {
            n.attrs.emplace_back(std::to_string(i), units[i]);
          }
        }
        std::sort(n.attrs.begin(), n.attrs.end(),
                  [](const auto& x, const auto& y) { return js_less(x.first, y.first); });
        nodes.push_back(std::move(n));
      }
      std::sort(nodes.begin(), nodes.end(),
                [](const Node& x, const Node& y) { return js_less(x.name, y.name); });
      for (const auto& n : nodes) {
        s += '<';
        s += n.name;
        for (const auto& [k, v] : n.attrs) {
          s += ' ';
          s += k;
          s += "=\"";
          s += v;
          s += '"';
        }
        s += '>';
      }
      switch (op.kind) {
        case DeltaOp::Kind::text:
          s += op.text;
          break;
        case DeltaOp::Kind::embed:
          s += js_to_string(op.embed);
          break;
        case DeltaOp::Kind::type:
          s += type_string(op.type);
          break;
      }
      for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
        s += "</" + it->name + ">";
      }
    }
    return s;
  }

 private:
  const DocImpl& d_;
};

}  // namespace

namespace {

std::string branch_json(const DocImpl& d, const Branch* b, RootKind kind) {
  const Branch empty;
  if (b == nullptr) {
    b = &empty;
  }
  const Reader reader(d);
  const JsonOptions opts{.binary_as_array = true};
  std::string out;
  switch (kind) {
    case RootKind::text:
      json_quote(reader.text_string(b), out);
      break;
    case RootKind::text_delta:
      json_stringify(reader.delta_json(b), out, opts);
      break;
    case RootKind::array:
      json_stringify(reader.array_json(b), out, opts);
      break;
    case RootKind::map:
      json_stringify(reader.map_json(b), out, opts);
      break;
    case RootKind::xml_fragment:
      json_quote(reader.xml_fragment_string(b), out);
      break;
    case RootKind::xml_tree:
      json_stringify(xml_tree_to_any(reader.xml_children(b)), out, opts);
      break;
  }
  return out;
}

std::vector<XmlNode> branch_tree(const DocImpl& d, const Branch* b) {
  if (b == nullptr) {
    return {};
  }
  return Reader(d).xml_children(b);
}

}  // namespace

Any xml_node_to_any(const XmlNode& node) {
  std::vector<AnyObject::Entry> fields;
  switch (node.kind) {
    case XmlNode::Kind::element:
      fields.emplace_back("type", "element");
      fields.emplace_back("name", node.name);
      fields.emplace_back("attributes", node.attributes);
      fields.emplace_back("children", xml_tree_to_any(node.children));
      break;
    case XmlNode::Kind::text: {
      AnyArray ops;
      for (const XmlDeltaOp& op : node.delta) {
        std::vector<AnyObject::Entry> op_fields;
        switch (op.kind) {
          case XmlDeltaOp::Kind::text:
            op_fields.emplace_back("insert", op.text);
            break;
          case XmlDeltaOp::Kind::embed:
            op_fields.emplace_back("insert", op.embed);
            break;
          case XmlDeltaOp::Kind::type:
            op_fields.emplace_back("insert",
                                   op.type.empty() ? Any(Null{}) : xml_node_to_any(op.type[0]));
            break;
        }
        if (!op.attributes.empty()) {
          op_fields.emplace_back("attributes", op.attributes);
        }
        ops.emplace_back(AnyObject::from_assignments(std::move(op_fields), /*drop_proto=*/false));
      }
      fields.emplace_back("type", "text");
      fields.emplace_back("delta", std::move(ops));
      break;
    }
    case XmlNode::Kind::hook:
      fields.emplace_back("type", "hook");
      fields.emplace_back("name", node.name);
      fields.emplace_back("attributes", node.attributes);
      break;
    case XmlNode::Kind::fragment:
      fields.emplace_back("type", "fragment");
      fields.emplace_back("children", xml_tree_to_any(node.children));
      break;
    case XmlNode::Kind::value:
      fields.emplace_back("type", "value");
      fields.emplace_back("value", node.value);
      break;
  }
  return AnyObject::from_assignments(std::move(fields), /*drop_proto=*/false);
}

Any xml_tree_to_any(std::span<const XmlNode> nodes) {
  AnyArray out;
  out.reserve(nodes.size());
  for (const XmlNode& n : nodes) {
    out.push_back(xml_node_to_any(n));
  }
  return out;
}

std::vector<XmlNode> Doc::xml_tree(std::string_view name) const {
  return branch_tree(*impl_, impl_->find_branch(SharedRef::root_type(std::string(name))));
}

std::vector<XmlNode> Doc::xml_tree(const SharedRef& type) const {
  return branch_tree(*impl_, impl_->find_branch(type));
}

std::string Doc::to_json(std::string_view name, RootKind kind) const {
  return branch_json(*impl_, impl_->find_branch(SharedRef::root_type(std::string(name))), kind);
}

std::string Doc::to_json(const SharedRef& type, RootKind kind) const {
  return branch_json(*impl_, impl_->find_branch(type), kind);
}

}  // namespace crdt
