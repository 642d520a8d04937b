// .npy headers (layout: npy.h). The header dict is a Python literal; only
// the three keys numpy writes, with the value forms numpy writes, are read.
#include "format/npy.h"

#include <cctype>
#include <cstring>

namespace surgeon {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct Descr {
  const char* text;
  DataType dtype;
};
// Little-endian ('<') and byte-order-free ('|') forms numpy writes.
constexpr Descr kDescrs[] = {
    {"<f8", DataType::kDouble},    {"<f4", DataType::kFloat},       {"<f2", DataType::kHalf},
    {"<i8", DataType::kInt64},     {"<i4", DataType::kInt32},       {"<i2", DataType::kInt16},
    {"|i1", DataType::kInt8},      {"<u8", DataType::kUint64},      {"<u4", DataType::kUint32},
    {"<u2", DataType::kUint16},    {"|u1", DataType::kUint8},       {"|b1", DataType::kBool},
    {"<c8", DataType::kComplex64}, {"<c16", DataType::kComplex128},
};

// A tiny cursor over the dict literal.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  void SkipSpace() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool Eat(char c) {
    SkipSpace();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool EatWord(std::string_view w) {
    SkipSpace();
    if (s.substr(i, w.size()) != w) return false;
    i += w.size();
    return true;
  }
  std::optional<std::string> Quoted() {
    SkipSpace();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) return std::nullopt;
    char q = s[i++];
    size_t end = s.find(q, i);
    if (end == std::string_view::npos) return std::nullopt;
    std::string out(s.substr(i, end - i));
    i = end + 1;
    return out;
  }
  std::optional<int64_t> Integer() {
    SkipSpace();
    size_t start = i;
    int64_t v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (v > (INT64_MAX - 9) / 10) return std::nullopt;
      v = v * 10 + (s[i++] - '0');
    }
    if (i < s.size() && s[i] == 'L') ++i;  // Python 2 longs.
    if (i == start) return std::nullopt;
    return v;
  }
};

Status Bad(const std::string& where, const std::string& what) {
  return Status::DataLoss(where + ": not a valid .npy array: " + what);
}

Result<Shape> ParseShape(Cursor* c, const std::string& where) {
  Shape shape;
  if (!c->Eat('(')) return Bad(where, "'shape' is not a tuple");
  while (!c->Eat(')')) {
    auto d = c->Integer();
    if (!d) return Bad(where, "'shape' holds something other than non-negative integers");
    shape.push_back(*d);
    if (shape.size() > kMaxRank) return Bad(where, "rank above " + std::to_string(kMaxRank));
    if (c->Eat(',')) continue;
    if (c->Eat(')')) break;
    return Bad(where, "'shape' tuple is malformed");
  }
  return shape;
}

Status ParseDict(std::string_view dict, const std::string& where, NpyHeader* h) {
  Cursor c{dict};
  if (!c.Eat('{')) return Bad(where, "header is not a dict");
  bool descr = false, order = false, shape = false;
  while (!c.Eat('}')) {
    auto key = c.Quoted();
    if (!key || !c.Eat(':')) return Bad(where, "header dict is malformed");
    if (*key == "descr") {
      auto d = c.Quoted();
      if (!d) return Bad(where, "'descr' is not a simple type string (structured arrays are not supported)");
      std::string text = *d;
      if (text.size() == 3 && (text[1] == 'b' || text[2] == '1') && text[0] == '<') text[0] = '|';
      for (const auto& x : kDescrs) {
        if (text == x.text) h->dtype = x.dtype;
      }
      if (h->dtype == DataType::kInvalid) {
        return Status::Unimplemented(where + ": dtype '" + *d + "' is not supported" +
                                     (!d->empty() && d->front() == '>' ? " (big-endian; save it little-endian)" : "") +
                                     (*d == "|O" ? " (a pickled object array)" : ""));
      }
      descr = true;
    } else if (*key == "fortran_order") {
      if (c.EatWord("True"))
        h->fortran_order = true;
      else if (!c.EatWord("False"))
        return Bad(where, "'fortran_order' is not True or False");
      order = true;
    } else if (*key == "shape") {
      SURGEON_ASSIGN_OR_RETURN(h->shape, ParseShape(&c, where));
      shape = true;
    } else {
      return Bad(where, "unexpected key '" + *key + "' in the header");
    }
    if (c.Eat(',')) continue;
    if (c.Eat('}')) break;
    return Bad(where, "header dict is malformed");
  }
  if (!descr || !order || !shape) return Bad(where, "header lacks 'descr', 'fortran_order' or 'shape'");
  return Status::OK();
}

}  // namespace

Result<uint64_t> NpyHeaderSize(ByteSpan bytes, const std::string& where) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    return Bad(where, "no \\x93NUMPY magic");
  }
  const uint8_t major = bytes[6];
  if (major == 1) return 10 + (bytes[8] | (uint64_t{bytes[9]} << 8));
  if (major != 2 && major != 3) {
    return Status::Unimplemented(where + ": .npy format version " + std::to_string(major) + " is not supported");
  }
  if (bytes.size() < 12) return Bad(where, "truncated header");
  return 12 + (bytes[8] | (uint64_t{bytes[9]} << 8) | (uint64_t{bytes[10]} << 16) | (uint64_t{bytes[11]} << 24));
}

Result<NpyHeader> ParseNpyHeader(ByteSpan bytes, const std::string& where) {
  SURGEON_ASSIGN_OR_RETURN(const uint64_t total, NpyHeaderSize(bytes, where));
  const uint64_t start = bytes[6] == 1 ? 10 : 12;
  if (total > bytes.size())
    return Bad(where, "header of " + std::to_string(total - start) + " bytes runs past the member");
  NpyHeader h;
  SURGEON_RETURN_IF_ERROR(ParseDict(AsStringView(bytes.subspan(start, total - start)), where, &h));
  h.data_offset = total;
  return h;
}

std::optional<std::string> NpyDescr(DataType dtype) {
  for (const auto& x : kDescrs) {
    if (x.dtype == dtype) return std::string(x.text);
  }
  return std::nullopt;
}

std::string NpyHeaderBytes(DataType dtype, const Shape& shape) {
  std::string dict = "{'descr': '" + NpyDescr(dtype).value_or("") + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
  dict += shape.size() == 1 ? ",), }" : "), }";
  const bool v2 = dict.size() + 1 + 10 + 63 > 65535;
  const size_t prefix = v2 ? 12 : 10;
  size_t total = prefix + dict.size() + 1;
  total = (total + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict += '\n';
  std::string out(kMagic, kMagicSize);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  const uint64_t len = dict.size();
  for (size_t i = 0; i < (v2 ? 4u : 2u); ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
  return out + dict;
}

}  // namespace surgeon
