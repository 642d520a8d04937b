// Private to the format layer: a minimal protobuf wire-format scanner over
// mapped bytes, for records too large to parse into messages (a V1 slice of
// vgg_16.ckpt's fc6/weights is one 411 MB packed field): fields are returned
// as views into the input, never copied.
#ifndef SURGEON_FORMAT_WIRE_SCANNER_H_
#define SURGEON_FORMAT_WIRE_SCANNER_H_

#include <cstdint>
#include <string_view>

namespace surgeon {

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

struct WireField {
  uint32_t number = 0;
  int wire_type = 0;
  uint64_t varint = 0;    // kVarint
  std::string_view data;  // kLengthDelimited payload, or the raw 4/8 bytes of a fixed field
  std::string_view raw;   // kVarint: the varint's bytes
};

class WireScanner {
 public:
  explicit WireScanner(std::string_view in) : p_(in.data()), limit_(in.data() + in.size()) {}

  // Returns false at the end of input or on malformed input (then error()).
  bool Next(WireField* f);
  bool error() const { return error_; }

 private:
  bool Fail() {
    error_ = true;
    return false;
  }
  const char* p_;
  const char* limit_;
  bool error_ = false;
};

// Counts the varints in a packed chunk into *count, checking each is
// well-formed.
bool CountVarints(std::string_view chunk, uint64_t* count);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_WIRE_SCANNER_H_
