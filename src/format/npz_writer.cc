// Writing a .npz: a zip archive of stored (uncompressed) .npy members.
//
// Each member, in Add order:
//   local file header   PK\3\4, version, flags (bit 11: UTF-8 name), method 0,
//                       DOS time/date (fixed 1980-01-01: reproducible output),
//                       CRC-32, sizes (0xffffffff + ZIP64 extra when >= 4 GiB),
//                       name "<key>.npy"
//   .npy header + data  (npy.h)
// then the central directory (one PK\1\2 record per member, ZIP64 extra for
// large sizes or offsets), a ZIP64 end record + locator when needed, and the
// end of central directory record PK\5\6 (APPNOTE.TXT 4.3).
//
// Written by hand rather than through libzip: libzip writes at zip_close()
// and needs every member's bytes alive until then, i.e. the whole model in
// memory; this writer streams one tensor at a time into the staged file.
#include <isa-l/crc.h>

#include <set>

#include "format/npy.h"
#include "surgeon/format/npz.h"

namespace surgeon {
namespace {

constexpr uint64_t kMax32 = 0xffffffffu;
constexpr uint16_t kUtf8Flag = 1 << 11;
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;

void Put16(std::string* s, uint16_t v) {
  s->push_back(static_cast<char>(v & 0xff));
  s->push_back(static_cast<char>(v >> 8));
}
void Put32(std::string* s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void Put64(std::string* s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t Clamp32(uint64_t v) { return v >= kMax32 ? static_cast<uint32_t>(kMax32) : static_cast<uint32_t>(v); }

struct Member {
  std::string name;
  uint32_t crc = 0;
  uint64_t size = 0;    // Stored: compressed size == uncompressed size.
  uint64_t offset = 0;  // Of its local header.
};

// The fields every header repeats: method 0 (stored), fixed time and date.
void PutCommon(std::string* s, uint16_t version, const Member& m) {
  Put16(s, version);
  Put16(s, kUtf8Flag);
  Put16(s, 0);  // Stored.
  Put16(s, 0);  // 00:00:00
  Put16(s, kDosDate1980);
  Put32(s, m.crc);
}

std::string LocalHeader(const Member& m) {
  const bool zip64 = m.size >= kMax32;
  std::string s;
  Put32(&s, 0x04034b50);
  PutCommon(&s, zip64 ? 45 : 20, m);
  Put32(&s, Clamp32(m.size));
  Put32(&s, Clamp32(m.size));
  Put16(&s, static_cast<uint16_t>(m.name.size()));
  Put16(&s, zip64 ? 20 : 0);
  s += m.name;
  if (zip64) {
    Put16(&s, 0x0001);
    Put16(&s, 16);
    Put64(&s, m.size);
    Put64(&s, m.size);
  }
  return s;
}

std::string CentralRecord(const Member& m) {
  std::string extra;  // ZIP64: only the fields that overflowed, in this order.
  if (m.size >= kMax32) Put64(&extra, m.size), Put64(&extra, m.size);
  if (m.offset >= kMax32) Put64(&extra, m.offset);
  std::string s;
  Put32(&s, 0x02014b50);
  Put16(&s, (3 << 8) | 45);  // Made by: Unix, 4.5.
  PutCommon(&s, extra.empty() ? 20 : 45, m);
  Put32(&s, Clamp32(m.size));
  Put32(&s, Clamp32(m.size));
  Put16(&s, static_cast<uint16_t>(m.name.size()));
  Put16(&s, static_cast<uint16_t>(extra.empty() ? 0 : extra.size() + 4));
  Put16(&s, 0);               // Comment.
  Put16(&s, 0);               // Disk.
  Put16(&s, 0);               // Internal attributes.
  Put32(&s, 0100644u << 16);  // Regular file, rw-r--r--.
  Put32(&s, Clamp32(m.offset));
  s += m.name;
  if (!extra.empty()) {
    Put16(&s, 0x0001);
    Put16(&s, static_cast<uint16_t>(extra.size()));
    s += extra;
  }
  return s;
}

std::string EndRecords(uint64_t count, uint64_t cd_offset, uint64_t cd_size) {
  std::string s;
  const bool zip64 = count >= 0xffff || cd_offset >= kMax32 || cd_size >= kMax32;
  if (zip64) {
    const uint64_t end64 = cd_offset + cd_size;
    Put32(&s, 0x06064b50);
    Put64(&s, 44);  // Size of the rest of this record.
    Put16(&s, (3 << 8) | 45);
    Put16(&s, 45);
    Put32(&s, 0);
    Put32(&s, 0);
    Put64(&s, count);
    Put64(&s, count);
    Put64(&s, cd_size);
    Put64(&s, cd_offset);
    Put32(&s, 0x07064b50);  // Locator.
    Put32(&s, 0);
    Put64(&s, end64);
    Put32(&s, 1);
  }
  Put32(&s, 0x06054b50);
  Put16(&s, 0);
  Put16(&s, 0);
  Put16(&s, static_cast<uint16_t>(std::min<uint64_t>(count, 0xffff)));
  Put16(&s, static_cast<uint16_t>(std::min<uint64_t>(count, 0xffff)));
  Put32(&s, Clamp32(cd_size));
  Put32(&s, Clamp32(cd_offset));
  Put16(&s, 0);
  return s;
}

class NpzWriter : public TensorWriter {
 public:
  NpzWriter(WritableFile* file, std::string path) : file_(file), path_(std::move(path)) {}

  Status Add(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes) override {
    if (!NpyDescr(dtype)) {
      return Status::Unimplemented(path_ + ": tensor '" + key + "' is " + DataTypeName(dtype) +
                                   ", which .npy cannot store (drop it or write a tf_checkpoint)");
    }
    if (key.empty() || !names_.insert(key).second)
      return Status::InvalidArgument(path_ + ": tensor '" + key + "' is empty or written twice");
    SURGEON_ASSIGN_OR_RETURN(uint64_t want, FixedTensorBytes(dtype, shape));
    if (bytes.size() != want) {
      return Status::InvalidArgument(path_ + ": tensor '" + key + "' has " + std::to_string(bytes.size()) + " bytes, " +
                                     ShapeToString(shape) + " needs " + std::to_string(want));
    }
    const std::string npy = NpyHeaderBytes(dtype, shape);
    Member m;
    m.name = key + ".npy";
    if (m.name.size() > 0xffff) return Status::InvalidArgument(path_ + ": tensor name too long for zip: '" + key + "'");
    m.size = npy.size() + bytes.size();
    m.offset = file_->size();
    m.crc = crc32_gzip_refl(0, reinterpret_cast<const unsigned char*>(npy.data()), npy.size());
    m.crc = crc32_gzip_refl(m.crc, bytes.data(), bytes.size());
    SURGEON_RETURN_IF_ERROR(file_->Append(LocalHeader(m)));
    SURGEON_RETURN_IF_ERROR(file_->Append(npy));
    SURGEON_RETURN_IF_ERROR(file_->Append(bytes));
    data_bytes_ += bytes.size();
    members_.push_back(std::move(m));
    return Status::OK();
  }

  Status Finish() override {
    const uint64_t cd_offset = file_->size();
    for (const Member& m : members_) SURGEON_RETURN_IF_ERROR(file_->Append(CentralRecord(m)));
    const uint64_t cd_size = file_->size() - cd_offset;
    SURGEON_RETURN_IF_ERROR(file_->Append(EndRecords(members_.size(), cd_offset, cd_size)));
    return file_->Flush();
  }
  uint64_t data_bytes() const override { return data_bytes_; }

 private:
  WritableFile* file_;  // Owned by the StagedOutput.
  std::string path_;
  std::vector<Member> members_;
  std::set<std::string> names_;
  uint64_t data_bytes_ = 0;
};

}  // namespace

Result<std::unique_ptr<TensorWriter>> CreateNpzWriter(StagedOutput* out, const std::string& path) {
  SURGEON_ASSIGN_OR_RETURN(WritableFile * file, out->Add(path));
  return std::unique_ptr<TensorWriter>(new NpzWriter(file, path));
}

}  // namespace surgeon
