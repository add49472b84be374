// V1 codec of single structs: yjs encoding.js readClientsStructRefs (the per-struct part),
// Item.write, GC.write, Skip.write and the Content*.js read/write functions.
#include "block.hpp"

#include "utf16.hpp"

namespace crdt {

namespace {

[[noreturn]] void fail(ErrorCode code, const std::string& what) { throw Error(code, what); }

std::uint64_t checked_length(std::uint64_t len, const char* what) {
  if (len == 0) {
    fail(ErrorCode::zero_length, std::string(what) + " of length 0");
  }
  return len;
}

Id read_id(lib0::Decoder& dec) {
  Id id;
  id.client = dec.read_var_uint();
  id.clock = dec.read_var_uint();
  return id;
}

void write_id(lib0::Encoder& enc, const Id& id) {
  enc.write_var_uint(id.client);
  enc.write_var_uint(id.clock);
}

// ContentJSON / ContentEmbed / ContentFormat keep JSON text on the wire; Yjs parses it on read
// (UpdateDecoderV1.readJSON) and writes JSON.stringify on every write.
Any read_json_text(lib0::Decoder& dec) { return json_parse(dec.read_var_string()); }

void read_content(lib0::Decoder& dec, Block& b) {
  switch (b.ref) {
    case content_ref::deleted:
      b.length = checked_length(dec.read_var_uint(), "ContentDeleted");
      return;
    case content_ref::json: {
      const std::uint64_t n = checked_length(dec.read_var_uint(), "ContentJSON");
      if (n > dec.remaining()) {
        fail(ErrorCode::end_of_buffer, "ContentJSON count exceeds the remaining bytes");
      }
      AnyArray values;
      values.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        const std::string_view text = dec.read_var_string();
        values.push_back(text == "undefined" ? Any(Undefined{}) : json_parse(text));
      }
      b.length = n;
      b.box = std::make_shared<ContentBox>(std::move(values));
      return;
    }
    case content_ref::binary: {
      const ByteView data = dec.read_var_uint8_array();
      b.length = 1;
      b.box = std::make_shared<ContentBox>(Bytes(data.begin(), data.end()));
      return;
    }
    case content_ref::string:
      b.str = dec.read_var_string();
      b.length = checked_length(utf16::length(b.str), "ContentString");
      return;
    case content_ref::embed:
      b.length = 1;
      b.box = std::make_shared<ContentBox>(read_json_text(dec));
      return;
    case content_ref::format: {
      FormatValue f;
      f.key = std::string(dec.read_var_string());
      f.value = std::make_shared<const Any>(read_json_text(dec));
      b.length = 1;
      b.box = std::make_shared<ContentBox>(std::move(f));
      return;
    }
    case content_ref::type: {
      const std::uint64_t ref = dec.read_var_uint();
      if (ref > static_cast<std::uint64_t>(TypeRef::xml_text)) {
        fail(ErrorCode::unknown_type_ref, "unknown type ref " + std::to_string(ref));
      }
      TypeValue t;
      t.type_ref = static_cast<TypeRef>(ref);
      if (t.type_ref == TypeRef::xml_element || t.type_ref == TypeRef::xml_hook) {
        t.name = std::string(dec.read_var_string());
      }
      b.length = 1;
      b.box = std::make_shared<ContentBox>(std::move(t));
      return;
    }
    case content_ref::any: {
      const std::uint64_t n = checked_length(dec.read_var_uint(), "ContentAny");
      if (n > dec.remaining()) {
        fail(ErrorCode::end_of_buffer, "ContentAny count exceeds the remaining bytes");
      }
      AnyArray values;
      values.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        values.push_back(read_any(dec));
      }
      b.length = n;
      b.box = std::make_shared<ContentBox>(std::move(values));
      return;
    }
    case content_ref::doc: {
      const std::string_view guid = dec.read_var_string();
      const Any opts = read_any(dec);
      b.length = 1;
      b.box = std::make_shared<ContentBox>(normalize_doc(guid, opts));
      return;
    }
    default:
      fail(ErrorCode::unknown_content_ref, "unknown content ref " + std::to_string(b.ref));
  }
}

}  // namespace

DocValue normalize_doc(std::string_view guid, const Any& opts) {
  // createDocFromOpts(guid, opts) = new Doc({guid, ...opts, shouldLoad: opts.shouldLoad || ...}).
  // Reading `opts.shouldLoad` throws a TypeError in JS for null/undefined.
  if (opts.is_null() || opts.is_undefined()) {
    fail(ErrorCode::malformed, "subdocument options are null/undefined");
  }
  DocValue d;
  d.guid = std::string(guid);
  AnyObject normalized;
  if (opts.is_object()) {
    const AnyObject& o = opts.as_object();
    if (const Any* g = o.find("guid"); g != nullptr) {
      // DIVERGES: an options object overriding the guid with a non-string (or undefined, which
      // makes Yjs draw a random uuid) has no deterministic Yjs behaviour; it is rejected.
      if (!g->is_string()) {
        fail(ErrorCode::malformed, "subdocument options carry a non-string guid");
      }
      d.guid = g->as_string();
    }
    // The Doc constructor defaults gc to true and meta to null when they are undefined; the
    // ContentDoc constructor then emits gc:false, autoLoad:true and meta in this order.
    if (const Any* gc = o.find("gc"); gc != nullptr && !gc->is_undefined() && !gc->truthy()) {
      normalized.set("gc", false);
    }
    if (const Any* al = o.find("autoLoad"); al != nullptr && al->truthy()) {
      normalized.set("autoLoad", true);
    }
    if (const Any* meta = o.find("meta");
        meta != nullptr && !meta->is_undefined() && !meta->is_null()) {
      normalized.set("meta", *meta);
    }
  }
  d.opts = std::move(normalized);
  return d;
}

void read_block(lib0::Decoder& dec, std::uint64_t client, std::uint64_t clock, Block& b) {
  b.id = Id{client, clock};
  const std::uint8_t info = dec.read_u8();
  const std::uint8_t ref = info & info_bit::ref_mask;
  if (ref == content_ref::gc || ref == content_ref::skip) {
    // DIVERGES: Yjs's two readers disagree on flagged GC/Skip bytes (applyUpdate masks the flags,
    // mergeUpdates compares info === 10), so such bytes are rejected.
    if (info != ref) {
      fail(ErrorCode::malformed, "GC/Skip info byte with flag bits");
    }
    b.kind = ref == content_ref::gc ? StructKind::gc : StructKind::skip;
    b.length = checked_length(dec.read_var_uint(), ref == content_ref::gc ? "GC" : "Skip");
    return;
  }
  b.kind = StructKind::item;
  b.ref = ref;
  if ((info & info_bit::origin) != 0) {
    b.has_origin = true;
    b.origin = read_id(dec);
  }
  if ((info & info_bit::right_origin) != 0) {
    b.has_right_origin = true;
    b.right_origin = read_id(dec);
  }
  if ((info & (info_bit::origin | info_bit::right_origin)) == 0) {
    // UpdateDecoderV1.readParentInfo tests `=== 1`; anything else means "parent ID follows".
    if (dec.read_var_uint() == 1) {
      b.parent_kind = ParentKind::root;
      b.parent_name = dec.read_var_string();
    } else {
      b.parent_kind = ParentKind::id;
      b.parent_id = read_id(dec);
    }
    if ((info & info_bit::parent_sub) != 0) {
      b.has_parent_sub = true;
      b.parent_sub = dec.read_var_string();
    }
  }
  // With an origin the key is not on the wire and BIT6 is ignored: integration copies the key
  // from the neighbour, and the doc-less reader keeps parentSub = null, so mergeUpdates and
  // diffUpdate re-emit a map overwrite `a8` as `88`.
  read_content(dec, b);
}

void write_string_tail(lib0::Encoder& enc, std::string_view utf8, std::uint64_t units,
                       std::uint64_t u16_offset, bool fffd_prefix) {
  if (fffd_prefix) {
    if (u16_offset == 0) {
      enc.write_var_uint(utf16::kReplacement.size() + utf8.size());
      enc.write_raw(utf16::kReplacement);
      enc.write_raw(utf8);
      return;
    }
    --u16_offset;  // the replacement character is one unit
    --units;
  }
  // str.slice(offset): a lone low surrogate at the start is encoded by TextEncoder as U+FFFD.
  const utf16::Split at = utf16::byte_offset(utf8, u16_offset, units);
  if (at.mid_pair) {
    const std::string_view rest = utf8.substr(at.bytes + 4);
    enc.write_var_uint(utf16::kReplacement.size() + rest.size());
    enc.write_raw(utf16::kReplacement);
    enc.write_raw(rest);
  } else {
    enc.write_var_string(utf8.substr(at.bytes));
  }
}

void write_values(lib0::Encoder& enc, std::uint8_t ref, const AnyArray& values,
                  std::uint64_t first) {
  enc.write_var_uint(values.size() - first);
  for (std::size_t i = static_cast<std::size_t>(first); i < values.size(); ++i) {
    if (ref == content_ref::any) {
      write_any(enc, values[i]);
    } else if (values[i].is_undefined()) {
      enc.write_var_string("undefined");
    } else {
      enc.write_var_string(json_stringify(values[i]));
    }
  }
}

void write_box(lib0::Encoder& enc, std::uint8_t ref, const ContentBox& box) {
  switch (ref) {
    case content_ref::binary:
      enc.write_var_uint8_array(std::get<Bytes>(box));
      return;
    case content_ref::embed:
      enc.write_var_string(json_stringify(std::get<Any>(box)));
      return;
    case content_ref::format: {
      const auto& f = std::get<FormatValue>(box);
      enc.write_var_string(f.key);
      enc.write_var_string(json_stringify(*f.value));
      return;
    }
    case content_ref::type: {
      const auto& t = std::get<TypeValue>(box);
      enc.write_var_uint(static_cast<std::uint8_t>(t.type_ref));
      if (t.type_ref == TypeRef::xml_element || t.type_ref == TypeRef::xml_hook) {
        enc.write_var_string(t.name);
      }
      return;
    }
    case content_ref::doc: {
      const auto& d = std::get<DocValue>(box);
      enc.write_var_string(d.guid);
      write_any(enc, d.opts);
      return;
    }
    default:
      throw Error(ErrorCode::malformed, "write_box: content ref without a box");
  }
}

void write_block(lib0::Encoder& enc, const Block& b, std::uint64_t offset) {
  if (b.kind != StructKind::item) {
    enc.write_u8(b.kind == StructKind::gc ? content_ref::gc : content_ref::skip);
    enc.write_var_uint(b.length - offset);
    return;
  }
  const bool has_origin = offset > 0 || b.has_origin;
  const Id origin = offset > 0 ? Id{b.id.client, b.id.clock + offset - 1} : b.origin;
  std::uint8_t info = b.ref;
  if (has_origin) {
    info |= info_bit::origin;
  }
  if (b.has_right_origin) {
    info |= info_bit::right_origin;
  }
  if (b.has_parent_sub) {
    info |= info_bit::parent_sub;
  }
  enc.write_u8(info);
  if (has_origin) {
    write_id(enc, origin);
  }
  if (b.has_right_origin) {
    write_id(enc, b.right_origin);
  }
  if (!has_origin && !b.has_right_origin) {
    if (b.parent_kind == ParentKind::root) {
      enc.write_var_uint(1);
      enc.write_var_string(b.parent_name);
    } else if (b.parent_kind == ParentKind::id) {
      enc.write_var_uint(0);
      write_id(enc, b.parent_id);
    } else {
      // Yjs's error.unexpectedCase(): a struct without origins and without parent.
      throw Error(ErrorCode::malformed, "item without origin, right origin or parent");
    }
    if (b.has_parent_sub) {
      enc.write_var_string(b.parent_sub);
    }
  }
  switch (b.ref) {
    case content_ref::deleted:
      enc.write_var_uint(b.length - offset);
      break;
    case content_ref::string:
      write_string_tail(enc, b.str, b.length, offset, b.fffd_prefix);
      break;
    case content_ref::json:
    case content_ref::any:
      write_values(enc, b.ref, std::get<AnyArray>(*b.box), b.offset + offset);
      break;
    default:
      write_box(enc, b.ref, *b.box);
  }
}

Block slice_block(const Block& b, std::uint64_t diff) {
  Block r = b;
  r.id.clock += diff;
  r.length -= diff;
  if (b.kind != StructKind::item) {
    return r;
  }
  r.has_origin = true;
  r.origin = Id{b.id.client, b.id.clock + diff - 1};
  switch (b.ref) {
    case content_ref::string: {
      std::uint64_t off = diff;
      std::uint64_t units = b.length;
      if (b.fffd_prefix) {
        --off;  // the replacement character occupies unit 0
        --units;
      }
      const utf16::Split at = utf16::byte_offset(b.str, off, units);
      r.fffd_prefix = at.mid_pair;
      r.str = b.str.substr(at.mid_pair ? at.bytes + 4 : at.bytes);
      break;
    }
    case content_ref::json:
    case content_ref::any:
      r.offset = b.offset + diff;
      break;
    default:
      break;  // Deleted: the length is all there is; other kinds have length 1
  }
  return r;
}

}  // namespace crdt
