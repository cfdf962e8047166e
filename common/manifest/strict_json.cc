#include "common/manifest/strict_json.h"

#include <array>
#include <charconv>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <tuple>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/manifest/field_path.h"

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;

// An object that is not built keeps its keys in a list until it has this many, then in a hash set, so
// a hostile object with a million keys costs no quadratic time.
constexpr size_t kLinearKeyLimit = 16;
// An integer of at most this many characters (sign included) is within the range of a double, so a
// skipped one needs no conversion to know it is acceptable.
constexpr size_t kShortIntegerChars = 20;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::string lineAndColumn(std::string_view text, size_t position) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < position && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at `at`, or false.
bool readHex4(std::string_view text, size_t at, uint32_t& value) {
  if (at + 4 > text.size()) return false;
  value = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const int digit = hexDigit(text[i]);
    if (digit < 0) return false;
    value = value * 16 + static_cast<uint32_t>(digit);
  }
  return true;
}

void appendUtf8(std::string& out, uint32_t point) {
  if (point < 0x80) {
    out += static_cast<char>(point);
  } else if (point < 0x800) {
    out += static_cast<char>(0xC0 | (point >> 6));
    out += static_cast<char>(0x80 | (point & 0x3F));
  } else if (point < 0x10000) {
    out += static_cast<char>(0xE0 | (point >> 12));
    out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (point >> 18));
    out += static_cast<char>(0x80 | ((point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (point & 0x3F));
  }
}

// The length of the well-formed UTF-8 sequence (RFC 3629: shortest form, no surrogates, at most
// U+10FFFF) that starts with the non-ASCII byte at `at`, or 0.
size_t utf8SequenceLength(std::string_view text, size_t at) {
  const auto byteIn = [&](size_t offset, unsigned low, unsigned high) {
    if (at + offset >= text.size()) return false;
    const auto byte = static_cast<unsigned char>(text[at + offset]);
    return byte >= low && byte <= high;
  };
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead >= 0xC2 && lead <= 0xDF) return byteIn(1, 0x80, 0xBF) ? 2 : 0;
  if (lead == 0xE0) return byteIn(1, 0xA0, 0xBF) && byteIn(2, 0x80, 0xBF) ? 3 : 0;
  if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    return byteIn(1, 0x80, 0xBF) && byteIn(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead == 0xED) return byteIn(1, 0x80, 0x9F) && byteIn(2, 0x80, 0xBF) ? 3 : 0;
  if (lead == 0xF0) return byteIn(1, 0x90, 0xBF) && byteIn(2, 0x80, 0xBF) && byteIn(3, 0x80, 0xBF) ? 4 : 0;
  if (lead >= 0xF1 && lead <= 0xF3) {
    return byteIn(1, 0x80, 0xBF) && byteIn(2, 0x80, 0xBF) && byteIn(3, 0x80, 0xBF) ? 4 : 0;
  }
  if (lead == 0xF4) return byteIn(1, 0x80, 0x8F) && byteIn(2, 0x80, 0xBF) && byteIn(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

// The first position from `at` that holds a byte a string cannot simply copy: a quote, a backslash,
// a control character or the start of a multi-byte UTF-8 sequence; text.size() when there is none.
// Strings are most of a Kubernetes object's bytes, so they are scanned 16 bytes at a time.
size_t findSpecialStringByte(std::string_view text, size_t at) {
  const char* data = text.data();
  const size_t size = text.size();
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (at + 16 <= size) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
    // As signed bytes, both the control characters and every byte from 0x80 are below 0x20.
    const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)),
                                         _mm_cmplt_epi8(chunk, space));
    const int mask = _mm_movemask_epi8(special);
    if (mask != 0) return at + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    at += 16;
  }
#endif
  for (; at < size; ++at) {
    const auto c = static_cast<unsigned char>(data[at]);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return at;
  }
  return size;
}

// A number token as strtod reads it in the C locale, for what from_chars reports out of range
// (underflow reads as zero or a subnormal, overflow as infinity).
double readDoubleLikeStrtod(std::string_view token) {
  std::string copy(token);
  const char decimalPoint = *std::localeconv()->decimal_point;
  for (char& c : copy) {
    if (c == '.') c = decimalPoint;
  }
  return std::strtod(copy.c_str(), nullptr);
}

// Like std::string::assign, without its general path for overlapping text.
void assignKeepingCapacity(std::string& out, std::string_view value) {
  out.clear();
  out.append(value);
}

// What recycleJson keeps per thread. Bounded so that one huge document leaves no huge pool behind:
// at most this many of each part, and no string or array longer than these; about 2 MB at worst.
constexpr size_t kKeptMembers = 4096;
constexpr size_t kKeptStrings = 4096;
constexpr size_t kKeptObjects = 1024;
constexpr size_t kKeptArrays = 128;
constexpr size_t kKeptStringCapacity = 128;
constexpr size_t kKeptArrayCapacity = 256;
// A DOM let go whole is kept as the thread's template when it has at most this many values and this
// many bytes of string capacity (keys included).
constexpr size_t kTemplateValues = 16384;
constexpr size_t kTemplateStringBytes = size_t{1} << 20;

// The parts of DOMs let go on this thread (object members with their key, strings, empty objects
// and arrays), handed to the next DOM built here. With nlohmann::json each of them is a separate
// allocation, and a DOM of a few hundred values spends more on malloc and free than on reading.
//
// The last DOM let go whole is kept as it is, as a template: the next document read here is read
// into it, and where both have the same shape (an object's members, in key order, or an array's
// elements) the members and strings stay where they are instead of being taken apart and put back.
class DomPool {
 public:
  using Member = Json::object_t::node_type;

  // Moves the template, if there is one, into the null `out`.
  void takeTemplate(Json& out) {
    if (!template_.is_null()) out.swap(template_);
  }

  // Lets go of `value`: kept whole as the template when there is none and it is small enough, taken
  // apart otherwise. Leaves `value` null. A DOM a reader on this thread has just built is measured by
  // what the reader counted (see noteRead); any other is counted here.
  void recycle(Json& value) {
    if (template_.is_null() && value.is_structured()) {
      bool fits = false;
      if (const Read* read = recentRead(value)) {
        fits = read->values <= kTemplateValues && read->bytes <= kTemplateStringBytes;
      } else {
        fits = fitsTemplate(value);
      }
      recent_ = {};
      if (fits) {
        template_.swap(value);
        return;
      }
    }
    takeApart(value);
  }

  // Records that a reader built `dom` with `values` values and `bytes` of string and key capacity.
  void noteRead(const Json& dom, size_t values, size_t bytes) {
    if (!dom.is_structured()) return;
    const void* container = containerOf(dom);
    // A DOM read into the template has the container an earlier read had: that record is stale.
    for (Read& read : recent_) {
      if (read.container == container) read = {};
    }
    recent_[next_] = {container, dom.size(), values, bytes};
    next_ = (next_ + 1) % recent_.size();
  }

  // Empties a slot about to be read into: a string, array or object goes to the pool.
  void clear(Json& slot) {
    if (slot.is_string() || slot.is_structured()) {
      takeApart(slot);
    } else if (!slot.is_null()) {
      slot = nullptr;
    }
  }

  // Keeps a member taken out of an object, with its value taken apart, if there is room. (Inside
  // takeApart the value is already emptied, so takeApart is not entered again.)
  void keepMember(Member node) {
    if (!isEmptied(node.mapped())) takeApart(node.mapped());
    keep(node.mapped());
    if (members_.size() < kKeptMembers && node.key().capacity() <= kKeptStringCapacity) {
      members_.push_back(std::move(node));
    }
  }

  // Removes the member at `at` (its parts go to the pool) and returns the one after it.
  Json::object_t::iterator erase(Json::object_t& members, Json::object_t::iterator at) {
    const auto next = std::next(at);
    keepMember(members.extract(at));
    return next;
  }

  static DomPool& local() {
    thread_local DomPool pool;
    return pool;
  }

  // A kept member re-keyed as `key`, its value null; an empty handle when none is kept.
  Member member(std::string_view key) {
    if (members_.empty()) return {};
    Member node = std::move(members_.back());
    members_.pop_back();
    assignKeepingCapacity(node.key(), key);
    return node;
  }

  // Sets the null `slot` to the string `value`.
  void setString(Json& slot, std::string_view value) {
    if (strings_.empty()) {
      Json::json_serializer<std::string_view, void>::to_json(slot, value);
      return;
    }
    slot.swap(strings_.back());
    strings_.pop_back();
    assignKeepingCapacity(slot.get_ref<Json::string_t&>(), value);
  }

  // Sets the null `slot` to an empty object or array.
  void setContainer(Json& slot, bool isObject) {
    std::vector<Json>& kept = isObject ? objects_ : arrays_;
    if (kept.empty()) {
      slot = isObject ? Json(Json::value_t::object) : Json(Json::value_t::array);
      return;
    }
    slot.swap(kept.back());
    kept.pop_back();
  }

  // Takes `value` apart into the pool, last member first and each container's insides before the
  // member that holds it, so the next document of the same shape is handed its parts in reading
  // order (a long key or string gets back a buffer that fits it). What the pool has no room for is
  // freed. Iterative: the DOM's depth costs a list of pointers, not stack frames.
  void takeApart(Json& value) {
    if (value.is_structured()) open_.assign(1, &value);
    while (!open_.empty()) {
      Json& container = *open_.back();
      Json* inner = nullptr;
      if (container.is_object()) {
        auto& members = container.get_ref<Json::object_t&>();
        if (members.empty()) {
          open_.pop_back();
          continue;
        }
        const auto last = std::prev(members.end());
        if (!isEmptied(last->second)) {
          inner = &last->second;
        } else {
          keepMember(members.extract(last));
        }
      } else {
        auto& elements = container.get_ref<Json::array_t&>();
        if (elements.empty()) {
          open_.pop_back();
          continue;
        }
        if (!isEmptied(elements.back())) {
          inner = &elements.back();
        } else {
          keep(elements.back());
          elements.pop_back();
        }
      }
      if (inner != nullptr) open_.push_back(inner);
    }
    keep(value);
  }

 private:
  static bool isEmptied(const Json& value) { return !value.is_structured() || value.empty(); }

  // Whether `value` is small enough to be kept whole; counts only as far as the limits.
  bool fitsTemplate(const Json& value) {
    size_t values = 0;
    size_t bytes = 0;
    counting_.assign(1, &value);
    while (!counting_.empty()) {
      const Json& next = *counting_.back();
      counting_.pop_back();
      if (++values > kTemplateValues) return false;
      if (next.is_string()) {
        bytes += next.get_ref<const Json::string_t&>().capacity();
      } else if (next.is_object()) {
        for (const auto& [key, member] : next.get_ref<const Json::object_t&>()) {
          bytes += key.capacity();
          counting_.push_back(&member);
        }
      } else if (next.is_array()) {
        for (const Json& element : next.get_ref<const Json::array_t&>()) counting_.push_back(&element);
      }
      if (bytes > kTemplateStringBytes || counting_.size() > kTemplateValues) return false;
    }
    return true;
  }


  // Keeps a scalar or an empty container if there is room, and leaves `value` null either way.
  void keep(Json& value) {
    std::vector<Json>* kept = nullptr;
    switch (value.type()) {
      case Json::value_t::string:
        if (strings_.size() < kKeptStrings && value.get_ref<Json::string_t&>().capacity() <= kKeptStringCapacity) {
          kept = &strings_;
        }
        break;
      case Json::value_t::object:
        if (objects_.size() < kKeptObjects) kept = &objects_;
        break;
      case Json::value_t::array:
        if (arrays_.size() < kKeptArrays && value.get_ref<Json::array_t&>().capacity() <= kKeptArrayCapacity) {
          kept = &arrays_;
        }
        break;
      default:
        break;
    }
    if (kept == nullptr) {
      value = nullptr;
      return;
    }
    kept->emplace_back().swap(value);
  }

  std::vector<Member> members_;
  std::vector<Json> strings_;
  std::vector<Json> objects_;
  std::vector<Json> arrays_;
  std::vector<Json*> open_;  // takeApart(): the containers being emptied, outermost first
  std::vector<const Json*> counting_;  // fitsTemplate(): values still to count
  Json template_;

  // The last DOMs readers built on this thread (an AdmissionReview has two objects), known by their
  // top-level container, which stays where it is when the DOM is moved.
  struct Read {
    const void* container = nullptr;
    size_t members = 0;
    size_t values = 0;
    size_t bytes = 0;
  };
  static const void* containerOf(const Json& dom) {
    if (dom.is_object()) return &dom.get_ref<const Json::object_t&>();
    return &dom.get_ref<const Json::array_t&>();
  }
  const Read* recentRead(const Json& dom) const {
    for (const Read& read : recent_) {
      if (read.container == containerOf(dom) && read.members == dom.size()) return &read;
    }
    return nullptr;
  }
  std::array<Read, 2> recent_{};
  size_t next_ = 0;
};

}  // namespace

// A reader is made per document; its stack of levels, each with its own buffers, is handed from one
// to the next on a thread instead of being grown afresh (a few levels' worth is kept).
constexpr size_t kKeptLevels = 32;

std::vector<StrictJsonReader::Level>& StrictJsonReader::keptLevels() {
  thread_local std::vector<Level> levels;
  return levels;
}

StrictJsonReader::~StrictJsonReader() {
  if (levels_.size() > kKeptLevels) levels_.resize(kKeptLevels);
  for (Level& level : levels_) {
    level.container = nullptr;
    level.spare.clear();
    level.keyIndex = {};  // a hash set sized for a hostile object is not kept
  }
  std::vector<Level>& kept = keptLevels();
  if (levels_.size() > kept.size()) kept.swap(levels_);
}

StrictJsonReader::StrictJsonReader(std::string_view text, const ParseLimits& limits)
    : text_(text), limits_(limits) {
  levels_.swap(keptLevels());
  if (text.size() > limits.maxInputBytes) {
    failed_ = true;
    message_ = "input is " + std::to_string(text.size()) + " bytes, more than the limit of " +
               std::to_string(limits.maxInputBytes);
    return;
  }
  // A UTF-8 byte order mark is allowed before the document, as nlohmann::json::parse allows it.
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

Error StrictJsonReader::error() const { return makeError(ErrorCode::kInvalidArgument, message_); }

bool StrictJsonReader::fail(size_t position, std::string reason) {
  if (failed_) return false;
  failed_ = true;
  message_ = "malformed JSON at " + lineAndColumn(text_, position) + ": " + reason;
  return false;
}

bool StrictJsonReader::failWithoutPosition(std::string reason) {
  if (failed_) return false;
  failed_ = true;
  message_ = "malformed JSON: " + reason;
  return false;
}

std::string StrictJsonReader::describeAt(size_t position) const {
  if (position >= text_.size()) return "the end of the input";
  const auto c = static_cast<unsigned char>(text_[position]);
  if (c > 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  constexpr std::string_view kHex = "0123456789ABCDEF";
  return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 0x0F];
}

std::string StrictJsonReader::currentPath(size_t levels) const {
  FieldPath path;
  for (size_t i = 0; i < levels; ++i) {
    path = levels_[i].isObject ? path.key(levels_[i].key) : path.index(levels_[i].index);
  }
  return path.empty() ? "the top level" : path.str();
}

void StrictJsonReader::skipWhitespaceRun() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
    ++pos_;
  }
}

bool StrictJsonReader::failExpecting(std::string_view what) {
  return fail(pos_, "expected " + std::string(what) + ", found " + describeAt(pos_));
}

bool StrictJsonReader::countValue() {
  if (++nodes_ > limits_.maxNodes) {
    return failWithoutPosition("document has more than " + std::to_string(limits_.maxNodes) + " values");
  }
  return true;
}

StrictJsonReader::Level* StrictJsonReader::enter(bool isObject, Json* container) {
  if (static_cast<int64_t>(depth_) >= static_cast<int64_t>(limits_.maxDepth)) {
    failWithoutPosition("nesting deeper than " + std::to_string(limits_.maxDepth) + " levels");
    return nullptr;
  }
  if (levels_.size() == depth_) levels_.emplace_back();
  Level& level = levels_[depth_++];
  level.container = container;
  level.isObject = isObject;
  level.index = 0;
  level.key = {};
  level.reusing = false;
  level.spare.clear();
  level.keys.clear();
  if (!level.keyIndex.empty()) level.keyIndex.clear();
  return &level;
}

void StrictJsonReader::leave() { --depth_; }

namespace {

// The member set aside under `key`, if there is one; an empty handle otherwise.
Json::object_t::node_type takeSpare(std::vector<Json::object_t::node_type>& spare, std::string_view key) {
  for (auto& node : spare) {
    if (node.key() != key) continue;
    Json::object_t::node_type found = std::move(node);
    node = std::move(spare.back());
    spare.pop_back();
    return found;
  }
  return {};
}

}  // namespace

bool StrictJsonReader::rememberKey(Level& level, std::string_view key, bool stable) {
  if (!stable) key = ownedKeys_.emplace_front(key);
  bool duplicate = false;
  if (level.keyIndex.empty() && level.keys.size() < kLinearKeyLimit) {
    for (const std::string_view seen : level.keys) duplicate = duplicate || seen == key;
    if (!duplicate) level.keys.push_back(key);
  } else {
    if (level.keyIndex.empty()) level.keyIndex.insert(level.keys.begin(), level.keys.end());
    duplicate = !level.keyIndex.insert(key).second;
  }
  if (duplicate) {
    return failWithoutPosition("duplicate key \"" + std::string(key) + "\" at " + currentPath(depth_ - 1) +
                               "; each key may appear once per object");
  }
  level.key = key;
  return true;
}

// Reads `"key":` of the innermost object and points `slot` at where its value goes (null when the
// object is not built).
bool StrictJsonReader::readKey(Level& level, Json* container, Json*& slot) {
  skipWhitespace();
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    return fail(pos_, "expected an object key (a string), found " + describeAt(pos_));
  }
  std::string_view key;
  bool stable = false;
  if (!lexString(key, stable)) return false;
  if (container == nullptr) {
    if (!rememberKey(level, key, stable)) return false;
    slot = nullptr;
  } else {
    if (level.reusing && reuseMember(level, key, slot)) return expect(':', "':' after an object key");
    auto& members = container->get_ref<Json::object_t&>();
    const size_t before = members.size();
    // Kubernetes writes map keys sorted, so the end is usually the right place. On a duplicate the
    // new member is dropped and the map is unchanged.
    Json::object_t::iterator placed;
    if (auto spare = takeSpare(level.spare, key); !spare.empty()) {
      placed = members.insert(members.end(), std::move(spare));
    } else if (auto node = DomPool::local().member(key); !node.empty()) {
      placed = members.insert(members.end(), std::move(node));
    } else {
      placed = members.emplace_hint(members.end(), std::piecewise_construct, std::forward_as_tuple(key),
                                    std::forward_as_tuple());
    }
    if (members.size() == before) {
      return failWithoutPosition("duplicate key \"" + std::string(key) + "\" at " + currentPath(depth_ - 1) +
                                 "; each key may appear once per object");
    }
    level.key = placed->first;
    heldBytes_ += placed->first.capacity();
    slot = &placed->second;
  }
  return expect(':', "':' after an object key");
}

// In an object read into the template's object: a key that is the next member's is read into in
// place. On the first that is not, the members not matched yet are set aside (returns false) and the
// object is read on like a new one, whose map refuses duplicates; readKey looks in `spare` first.
bool StrictJsonReader::reuseMember(Level& level, std::string_view key, Json*& slot) {
  auto& members = level.container->get_ref<Json::object_t&>();
  if (level.cursor != members.end() && level.cursor->first == key) {
    level.key = level.cursor->first;
    heldBytes_ += level.cursor->first.capacity();
    slot = &level.cursor->second;
    ++level.cursor;
    return true;
  }
  while (level.cursor != members.end()) {
    const auto next = std::next(level.cursor);
    level.spare.push_back(members.extract(level.cursor));
    level.cursor = next;
  }
  level.reusing = false;
  return false;
}

// Makes `slot` an empty object or array to read into, or, when it holds a non-empty one of that kind
// from the template, keeps it for the innermost level to read into in place.
void StrictJsonReader::openContainer(Json& slot, bool isObject) {
  DomPool& pool = DomPool::local();
  if (isObject ? slot.is_object() : slot.is_array()) {
    if (slot.empty()) return;
    Level& level = levels_[depth_ - 1];
    level.reusing = true;
    if (isObject) level.cursor = slot.get_ref<Json::object_t&>().begin();
    return;
  }
  pool.clear(slot);
  pool.setContainer(slot, isObject);
}

// Closes the innermost level. A container read into in place loses what the document did not have:
// object members not matched, array elements past `elements`.
void StrictJsonReader::closeContainer(Level& level, size_t elements) {
  DomPool& pool = DomPool::local();
  for (auto& node : level.spare) pool.keepMember(std::move(node));
  level.spare.clear();
  if (level.reusing) {
    if (level.isObject) {
      auto& members = level.container->get_ref<Json::object_t&>();
      while (level.cursor != members.end()) level.cursor = pool.erase(members, level.cursor);
    } else {
      auto& array = level.container->get_ref<Json::array_t&>();
      while (array.size() > elements) {
        pool.clear(array.back());
        array.pop_back();
      }
    }
  }
  leave();
}

bool StrictJsonReader::lexString(std::string_view& value, bool& stable) {
  const char* data = text_.data();
  const size_t size = text_.size();
  const size_t start = ++pos_;  // past the opening quote
  size_t i = start;
  // Most strings have no escapes: they are returned as a view of the input.
  while ((i = findSpecialStringByte(text_, i)) < size) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c == '"') {
      value = text_.substr(start, i - start);
      stable = true;
      pos_ = i + 1;
      return true;
    }
    if (c == '\\') break;
    if (c < 0x20) return fail(i, "control character " + describeAt(i) + " in a string; escape it");
    const size_t length = utf8SequenceLength(text_, i);
    if (length == 0) return fail(i, "invalid UTF-8 (" + describeAt(i) + ") in a string");
    i += length;
  }
  if (i >= size) return fail(size, "unterminated string");

  scratch_.assign(data + start, i - start);
  while (i < size) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c == '"') {
      value = scratch_;
      stable = false;
      pos_ = i + 1;
      return true;
    }
    if (c == '\\') {
      if (i + 1 >= size) break;
      const char escape = data[i + 1];
      const size_t escapeAt = i;
      i += 2;
      switch (escape) {
        case '"': scratch_ += '"'; continue;
        case '\\': scratch_ += '\\'; continue;
        case '/': scratch_ += '/'; continue;
        case 'b': scratch_ += '\b'; continue;
        case 'f': scratch_ += '\f'; continue;
        case 'n': scratch_ += '\n'; continue;
        case 'r': scratch_ += '\r'; continue;
        case 't': scratch_ += '\t'; continue;
        case 'u': break;
        default: return fail(escapeAt, "invalid escape \\" + std::string(1, escape) + " in a string");
      }
      uint32_t point = 0;
      if (!readHex4(text_, i, point)) return fail(escapeAt, "\\u must be followed by four hex digits");
      i += 4;
      if (point >= 0xDC00 && point <= 0xDFFF) {
        return fail(escapeAt, "UTF-16 low surrogate \\u" + std::string(text_.substr(escapeAt + 2, 4)) +
                                  " without a high surrogate before it");
      }
      if (point >= 0xD800 && point <= 0xDBFF) {
        uint32_t low = 0;
        if (i + 2 > size || data[i] != '\\' || data[i + 1] != 'u' || !readHex4(text_, i + 2, low) || low < 0xDC00 ||
            low > 0xDFFF) {
          return fail(escapeAt, "UTF-16 high surrogate \\u" + std::string(text_.substr(escapeAt + 2, 4)) +
                                    " must be followed by a low surrogate");
        }
        i += 6;
        point = 0x10000 + ((point - 0xD800) << 10) + (low - 0xDC00);
      }
      appendUtf8(scratch_, point);
      continue;
    }
    if (c < 0x20) return fail(i, "control character " + describeAt(i) + " in a string; escape it");
    if (c < 0x80) {
      scratch_ += static_cast<char>(c);
      ++i;
      continue;
    }
    const size_t length = utf8SequenceLength(text_, i);
    if (length == 0) return fail(i, "invalid UTF-8 (" + describeAt(i) + ") in a string");
    scratch_.append(data + i, length);
    i += length;
  }
  return fail(size, "unterminated string");
}

bool StrictJsonReader::lexNumber(Json* out) {
  const size_t size = text_.size();
  const size_t start = pos_;
  size_t i = pos_;
  const bool negative = text_[i] == '-';
  if (negative) ++i;
  if (i >= size || !isDigit(text_[i])) return fail(i, "expected a digit after '-', found " + describeAt(i));
  if (text_[i] == '0') {
    ++i;
  } else {
    while (i < size && isDigit(text_[i])) ++i;
  }
  bool integral = true;
  if (i < size && text_[i] == '.') {
    integral = false;
    ++i;
    if (i >= size || !isDigit(text_[i])) return fail(i, "expected a digit after '.', found " + describeAt(i));
    while (i < size && isDigit(text_[i])) ++i;
  }
  if (i < size && (text_[i] == 'e' || text_[i] == 'E')) {
    integral = false;
    ++i;
    if (i < size && (text_[i] == '+' || text_[i] == '-')) ++i;
    if (i >= size || !isDigit(text_[i])) return fail(i, "expected a digit in the exponent, found " + describeAt(i));
    while (i < size && isDigit(text_[i])) ++i;
  }
  pos_ = i;
  const std::string_view token = text_.substr(start, i - start);
  const char* first = token.data();
  const char* last = token.data() + token.size();

  // As nlohmann::json reads numbers: integers that fit stay exact (unsigned unless negative); the
  // rest are doubles, and a double out of range is an error.
  if (integral) {
    if (out == nullptr && token.size() <= kShortIntegerChars) return true;
    if (negative) {
      int64_t value = 0;
      if (std::from_chars(first, last, value).ec == std::errc()) {
        if (out != nullptr) *out = value;
        return true;
      }
    } else {
      uint64_t value = 0;
      if (std::from_chars(first, last, value).ec == std::errc()) {
        if (out != nullptr) *out = value;
        return true;
      }
    }
  }
  double value = 0;
  const auto converted = std::from_chars(first, last, value);
  if (converted.ec == std::errc::result_out_of_range) {
    value = readDoubleLikeStrtod(token);
  } else if (converted.ec != std::errc() || converted.ptr != last) {
    return fail(start, "number " + std::string(token) + " cannot be read");
  }
  if (!std::isfinite(value)) return fail(start, "number " + std::string(token) + " is out of range");
  if (out != nullptr) *out = value;
  return true;
}

bool StrictJsonReader::lexLiteral(std::string_view literal) {
  if (text_.substr(pos_, literal.size()) != literal) {
    return fail(pos_, "invalid literal; expected " + std::string(literal));
  }
  pos_ += literal.size();
  return true;
}

// A string, number, true, false or null, into `out` unless it is null. `out` may hold a value of the
// template, which is replaced.
bool StrictJsonReader::scalar(Json* out) {
  const char c = pos_ < text_.size() ? text_[pos_] : '\0';
  if (out != nullptr && c != '"') DomPool::local().clear(*out);
  switch (c) {
    case '"': {
      std::string_view value;
      bool stable = false;
      if (!lexString(value, stable)) return false;
      if (out == nullptr) break;
      if (out->is_string()) {
        assignKeepingCapacity(out->get_ref<Json::string_t&>(), value);
      } else {
        DomPool::local().clear(*out);
        DomPool::local().setString(*out, value);
      }
      heldBytes_ += out->get_ref<const Json::string_t&>().capacity();
      break;
    }
    case 't':
      if (!lexLiteral("true")) return false;
      if (out != nullptr) *out = true;
      break;
    case 'f':
      if (!lexLiteral("false")) return false;
      if (out != nullptr) *out = false;
      break;
    case 'n':
      if (!lexLiteral("null")) return false;
      if (out != nullptr) *out = nullptr;
      break;
    default:
      if (c != '-' && !isDigit(c)) return fail(pos_, "expected a value, found " + describeAt(pos_));
      if (!lexNumber(out)) return false;
      break;
  }
  return countValue();
}

// Reads one complete value, building it into `out` unless that is null. Iterative, so the depth
// limit alone bounds the memory a deep document costs.
bool StrictJsonReader::walk(Json* out) {
  if (failed_) return false;
  const size_t base = depth_;
  Json* slot = out;
  for (;;) {
    skipWhitespace();
    const char c = pos_ < text_.size() ? text_[pos_] : '\0';
    bool opened = false;
    if (c == '{' || c == '[') {
      const bool isObject = c == '{';
      if (!countValue()) return false;
      if (enter(isObject, slot) == nullptr) return false;
      if (slot != nullptr) openContainer(*slot, isObject);
      ++pos_;
      skipWhitespace();
      if (pos_ < text_.size() && text_[pos_] == (isObject ? '}' : ']')) {
        ++pos_;
        closeContainer(levels_[depth_ - 1], 0);
      } else {
        opened = true;
      }
    } else if (!scalar(slot)) {
      return false;
    }

    // After a value: either the first member of a container just opened, or the next member of the
    // innermost open one, or the end of containers until the value read by this call is complete.
    bool next = opened;
    while (!next) {
      lastValueEnd_ = pos_;
      if (depth_ == base) return true;
      skipWhitespace();
      Level& level = levels_[depth_ - 1];
      const char closer = level.isObject ? '}' : ']';
      const char found = pos_ < text_.size() ? text_[pos_] : '\0';
      if (found == ',') {
        ++pos_;
        ++level.index;
        next = true;
      } else if (found == closer) {
        ++pos_;
        closeContainer(level, level.index + 1);
      } else {
        return fail(pos_, std::string("expected ',' or '") + closer + "', found " + describeAt(pos_));
      }
    }
    Level& level = levels_[depth_ - 1];
    if (level.isObject) {
      if (!readKey(level, level.container, slot)) return false;
    } else if (level.container == nullptr) {
      slot = nullptr;
    } else {
      auto& elements = level.container->get_ref<Json::array_t&>();
      slot = level.reusing && level.index < elements.size() ? &elements[level.index] : &elements.emplace_back();
    }
  }
}

StrictJsonReader::Type StrictJsonReader::peek() {
  if (failed_) return Type::kInvalid;
  skipWhitespace();
  if (pos_ >= text_.size()) return Type::kInvalid;
  switch (text_[pos_]) {
    case '{': return Type::kObject;
    case '[': return Type::kArray;
    case '"': return Type::kString;
    case 't':
    case 'f': return Type::kBoolean;
    case 'n': return Type::kNull;
    default: return text_[pos_] == '-' || isDigit(text_[pos_]) ? Type::kNumber : Type::kInvalid;
  }
}

bool StrictJsonReader::closeLevel(char closer) {
  skipWhitespace();
  if (pos_ < text_.size() && text_[pos_] == closer) {
    ++pos_;
    leave();
    lastValueEnd_ = pos_;
    return true;
  }
  return false;
}

bool StrictJsonReader::readObject(const MemberVisitor& member) {
  if (peek() != Type::kObject) return fail(pos_, "expected an object, found " + describeAt(pos_));
  if (!countValue() || enter(true, nullptr) == nullptr) return false;
  const size_t level = depth_ - 1;
  ++pos_;
  if (closeLevel('}')) return true;
  for (;;) {
    Json* unused = nullptr;
    if (!readKey(levels_[level], nullptr, unused)) return false;
    const size_t valueStart = pos_;
    member(levels_[level].key);
    if (failed_) return false;
    if (lastValueEnd_ <= valueStart && !skipValue()) return false;
    if (closeLevel('}')) return true;
    if (!expect(',', "',' or '}'")) return false;
  }
}

bool StrictJsonReader::readArray(const ElementVisitor& element) {
  if (peek() != Type::kArray) return fail(pos_, "expected an array, found " + describeAt(pos_));
  if (!countValue() || enter(false, nullptr) == nullptr) return false;
  const size_t level = depth_ - 1;
  ++pos_;
  if (closeLevel(']')) return true;
  for (size_t index = 0;; ++index) {
    levels_[level].index = index;
    skipWhitespace();
    const size_t valueStart = pos_;
    element(index);
    if (failed_) return false;
    if (lastValueEnd_ <= valueStart && !skipValue()) return false;
    if (closeLevel(']')) return true;
    if (!expect(',', "',' or ']'")) return false;
  }
}

bool StrictJsonReader::readString(std::string& out) {
  if (peek() != Type::kString) return fail(pos_, "expected a string, found " + describeAt(pos_));
  std::string_view value;
  bool stable = false;
  if (!lexString(value, stable) || !countValue()) return false;
  out.assign(value);
  lastValueEnd_ = pos_;
  return true;
}

bool StrictJsonReader::readBoolean(bool& out) {
  if (peek() != Type::kBoolean) return fail(pos_, "expected true or false, found " + describeAt(pos_));
  out = text_[pos_] == 't';
  if (!lexLiteral(out ? "true" : "false") || !countValue()) return false;
  lastValueEnd_ = pos_;
  return true;
}

bool StrictJsonReader::readValue(Json& out) {
  DomPool& pool = DomPool::local();
  pool.clear(out);
  pool.takeTemplate(out);
  const size_t valuesBefore = nodes_;
  heldBytes_ = 0;
  if (!walk(&out)) return false;
  pool.noteRead(out, nodes_ - valuesBefore, heldBytes_);
  return true;
}

bool StrictJsonReader::skipValue(std::string_view* raw) {
  skipWhitespace();
  const size_t start = pos_;
  if (!walk(nullptr)) return false;
  if (raw != nullptr) *raw = text_.substr(start, pos_ - start);
  return true;
}

bool StrictJsonReader::finish() {
  if (failed_) return false;
  skipWhitespace();
  if (pos_ != text_.size()) return fail(pos_, "expected the end of the input, found " + describeAt(pos_));
  return true;
}

Result<Json> parseStrictJson(std::string_view text, const ParseLimits& limits) {
  StrictJsonReader reader(text, limits);
  Json document;
  try {
    if (reader.readValue(document) && reader.finish()) return document;
  } catch (const std::exception& ex) {  // std::bad_alloc: the document does not fit in memory
    return makeError(ErrorCode::kInvalidArgument, std::string("malformed JSON: ") + ex.what());
  }
  return reader.error();
}

void recycleJson(Json& value) { DomPool::local().recycle(value); }

}  // namespace agentguard::manifest
