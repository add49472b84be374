// Decoded structs of a V1 update ("refs" in yjs encoding.js, the lazily read structs of
// updates.js): GC, Skip and Items whose parent is still raw (root name or parent-item ID).
//
// A Block borrows its strings from the update bytes it was decoded from (string_views), so the
// bytes must outlive it. Rarely used payloads (Any/JSON values, binary, embed, format, type and
// subdocument descriptions) sit in a shared ContentBox so that slicing and copying stay cheap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "crdt/any.hpp"
#include "crdt/id.hpp"
#include "crdt/lib0.hpp"

namespace crdt {

enum class StructKind : std::uint8_t { gc, skip, item };

// Content refs: the low 5 bits of the info byte. DO NOT CHANGE: on the wire.
namespace content_ref {
inline constexpr std::uint8_t gc = 0;
inline constexpr std::uint8_t deleted = 1;
inline constexpr std::uint8_t json = 2;
inline constexpr std::uint8_t binary = 3;
inline constexpr std::uint8_t string = 4;
inline constexpr std::uint8_t embed = 5;
inline constexpr std::uint8_t format = 6;
inline constexpr std::uint8_t type = 7;
inline constexpr std::uint8_t any = 8;
inline constexpr std::uint8_t doc = 9;
inline constexpr std::uint8_t skip = 10;
}  // namespace content_ref

// Info byte flags (yjs binary.BIT8/BIT7/BIT6). DO NOT CHANGE: on the wire.
namespace info_bit {
inline constexpr std::uint8_t origin = 0x80;
inline constexpr std::uint8_t right_origin = 0x40;
inline constexpr std::uint8_t parent_sub = 0x20;
inline constexpr std::uint8_t ref_mask = 0x1f;
}  // namespace info_bit

// ContentType type refs (yjs ContentType.js typeRefs). DO NOT CHANGE: on the wire.
enum class TypeRef : std::uint8_t {
  array = 0,
  map = 1,
  text = 2,
  xml_element = 3,
  xml_fragment = 4,
  xml_hook = 5,
  xml_text = 6,
};

struct FormatValue {
  std::string key;
  // JSON.parse of the wire text. Shared because Yjs compares format values by JS identity
  // (`===`): a format item created from another one's value holds the very same object.
  std::shared_ptr<const Any> value;
};

struct TypeValue {
  TypeRef type_ref = TypeRef::array;
  std::string name;  // nodeName (XmlElement) or hookName (XmlHook)
};

struct DocValue {
  std::string guid;
  Any opts;  // normalized like ContentDoc's constructor: {gc:false?, autoLoad:true?, meta?}
};

// AnyArray: Any (8) and JSON (2) elements; Bytes: Binary (3); Any: Embed (5) value.
using ContentBox = std::variant<AnyArray, Bytes, Any, FormatValue, TypeValue, DocValue>;

enum class ParentKind : std::uint8_t { none, root, id };

struct Block {
  Id id;
  std::uint64_t length = 0;
  StructKind kind = StructKind::gc;
  std::uint8_t ref = 0;  // content ref, items only
  bool has_origin = false;
  bool has_right_origin = false;
  bool has_parent_sub = false;
  bool fffd_prefix = false;  // String content is U+FFFD followed by `str`
  ParentKind parent_kind = ParentKind::none;
  Id origin;
  Id right_origin;
  Id parent_id;
  std::string_view parent_name;
  std::string_view parent_sub;
  std::string_view str;      // String content (UTF-8)
  std::uint64_t offset = 0;  // Any/JSON: first element of `box` that belongs to this block
  std::shared_ptr<ContentBox> box;

  // Integration state (Doc only), filled by getMissing: neighbours as pool indices (0 = none),
  // the resolved parent slot, or gc_parent when the struct must become a GC.
  std::uint32_t left_ref = 0;
  std::uint32_t right_ref = 0;
  std::uint32_t slot = 0xffffffffu;
  bool gc_parent = false;

  bool is_item() const { return kind == StructKind::item; }
  std::uint64_t end() const { return id.clock + length; }
};

/**
 * Reads one struct (GC, Skip or Item) at `clock` of `client`.
 * Rejects what Yjs would choke on or mis-read: unknown content refs, GC/Skip info bytes with
 * flag bits, zero lengths, invalid UTF-8, bad JSON, unknown type refs.
 */
void read_block(lib0::Decoder& dec, std::uint64_t client, std::uint64_t clock, Block& b);

/** Item.write / GC.write / Skip.write with `offset` units cut from the front. */
void write_block(lib0::Encoder& enc, const Block& b, std::uint64_t offset);

/**
 * The right part of `b` from `diff` on (updates.js sliceStruct). An Item's origin becomes
 * (client, clock + diff - 1); a String cut inside a surrogate pair starts with U+FFFD.
 * REQUIRES: 0 < diff < b.length.
 */
Block slice_block(const Block& b, std::uint64_t diff);

// Content writers shared with the document's own items.
// `units` is the UTF-16 length of the whole text (U+FFFD prefix included).
void write_string_tail(lib0::Encoder& enc, std::string_view utf8, std::uint64_t units,
                       std::uint64_t u16_offset, bool fffd_prefix = false);
void write_values(lib0::Encoder& enc, std::uint8_t ref, const AnyArray& values,
                  std::uint64_t first);
void write_box(lib0::Encoder& enc, std::uint8_t ref, const ContentBox& box);

/** Normalizes subdocument options as `new ContentDoc(createDocFromOpts(guid, opts))` does. */
DocValue normalize_doc(std::string_view guid, const Any& opts);

}  // namespace crdt
