#include "format/wire_scanner.h"

#include "base/coding.h"

namespace surgeon {

bool WireScanner::Next(WireField* f) {
  if (p_ == limit_ || error_) return false;
  uint64_t tag;
  const char* q = GetVarint64Ptr(p_, limit_, &tag);
  if (q == nullptr || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) return Fail();
  f->number = static_cast<uint32_t>(tag >> 3);
  f->wire_type = static_cast<int>(tag & 7);
  switch (f->wire_type) {
    case kVarint: {
      const char* r = GetVarint64Ptr(q, limit_, &f->varint);
      if (r == nullptr) return Fail();
      f->raw = std::string_view(q, r - q);
      p_ = r;
      return true;
    }
    case kFixed64:
    case kFixed32: {
      size_t n = f->wire_type == kFixed64 ? 8 : 4;
      if (static_cast<size_t>(limit_ - q) < n) return Fail();
      f->data = std::string_view(q, n);
      p_ = q + n;
      return true;
    }
    case kLengthDelimited: {
      uint64_t len;
      const char* r = GetVarint64Ptr(q, limit_, &len);
      if (r == nullptr || len > static_cast<uint64_t>(limit_ - r)) return Fail();
      f->data = std::string_view(r, len);
      p_ = r + len;
      return true;
    }
    default:  // Groups (3, 4) never appear in these messages.
      return Fail();
  }
}

bool CountVarints(std::string_view chunk, uint64_t* count) {
  const char* p = chunk.data();
  const char* limit = p + chunk.size();
  uint64_t n = 0, v;
  while (p < limit) {
    p = GetVarint64Ptr(p, limit, &v);
    if (p == nullptr) return false;
    ++n;
  }
  *count += n;
  return true;
}

}  // namespace surgeon
