// CheckpointReader over a .npz archive (npz.h), through libzip.
#include <zip.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "format/npy.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/npz.h"

namespace surgeon {
namespace {

constexpr std::string_view kNpy = ".npy";

std::string ZipMessage(zip_t* z) { return zip_strerror(z); }

struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipFile = std::unique_ptr<zip_file_t, ZipFileCloser>;

// Reads exactly n bytes from an open member.
Status ReadExactly(zip_file_t* f, uint8_t* out, uint64_t n, const std::string& where) {
  while (n > 0) {
    zip_int64_t got = zip_fread(f, out, n);
    if (got < 0) return Status::DataLoss(where + ": " + zip_file_strerror(f));
    if (got == 0) return Status::DataLoss(where + ": member ends early");
    out += got;
    n -= static_cast<uint64_t>(got);
  }
  return Status::OK();
}

// Fortran-order bytes of `shape` -> row-major bytes.
std::vector<uint8_t> FortranToRowMajor(const std::vector<uint8_t>& in, const Shape& shape, size_t elem) {
  const size_t rank = shape.size();
  if (rank <= 1) return in;  // The same bytes in either order.
  std::vector<uint8_t> out(in.size());
  std::vector<int64_t> index(rank, 0), fstride(rank, 1);
  for (size_t k = 1; k < rank; ++k) fstride[k] = fstride[k - 1] * shape[k - 1];
  const size_t n = elem ? in.size() / elem : 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t src = 0;
    for (size_t k = 0; k < rank; ++k) src += index[k] * fstride[k];
    std::memcpy(out.data() + i * elem, in.data() + src * elem, elem);
    for (size_t k = rank; k-- > 0;) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}

class NpzReader : public CheckpointReader {
 public:
  static Result<std::unique_ptr<CheckpointReader>> Open(const std::string& path);
  ~NpzReader() override {
    if (zip_) zip_discard(zip_);
  }
  CheckpointFormat format() const override { return CheckpointFormat::kNpz; }
  const std::string& path() const override { return path_; }
  const std::vector<TensorEntry>& entries() const override { return entries_; }
  Result<TensorData> Read(const TensorEntry& e) const override;
  std::vector<std::pair<std::string, std::string>> Describe() const override {
    return {{"members", std::to_string(entries_.size())}, {"compressed_members", std::to_string(compressed_)}};
  }

 private:
  struct Member {
    zip_uint64_t index = 0;
    NpyHeader header;
  };
  Status AddMember(zip_uint64_t index);
  std::string Where(const std::string& member) const { return path_ + ": member '" + member + "'"; }

  std::string path_;
  zip_t* zip_ = nullptr;
  std::vector<TensorEntry> entries_;
  std::map<std::string, Member> members_;
  size_t compressed_ = 0;
};

Result<std::unique_ptr<CheckpointReader>> NpzReader::Open(const std::string& path) {
  auto r = std::unique_ptr<NpzReader>(new NpzReader);
  r->path_ = path;
  int err = 0;
  r->zip_ = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (r->zip_ == nullptr) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string msg = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    return Status::DataLoss(path + ": not a readable .npz (zip) archive: " + msg);
  }
  const zip_int64_t n = zip_get_num_entries(r->zip_, 0);
  for (zip_int64_t i = 0; i < n; ++i) SURGEON_RETURN_IF_ERROR(r->AddMember(static_cast<zip_uint64_t>(i)));
  std::sort(r->entries_.begin(), r->entries_.end(),
            [](const TensorEntry& a, const TensorEntry& b) { return a.key < b.key; });
  return std::unique_ptr<CheckpointReader>(std::move(r));
}

Status NpzReader::AddMember(zip_uint64_t index) {
  zip_stat_t st;
  if (zip_stat_index(zip_, index, 0, &st) != 0) return Status::DataLoss(path_ + ": " + ZipMessage(zip_));
  const std::string name = st.name ? st.name : "";
  const std::string where = Where(name);
  if (name.size() <= kNpy.size() || name.compare(name.size() - kNpy.size(), kNpy.size(), kNpy) != 0) {
    return Status::DataLoss(where + " is not a .npy array" +
                            (name == "model.weights.h5" || name == "config.json"
                                 ? " (a .keras archive? extract model.weights.h5 and read that)"
                                 : ""));
  }
  if (st.comp_method != ZIP_CM_STORE) ++compressed_;
  ZipFile f(zip_fopen_index(zip_, index, 0));
  if (!f) return Status::DataLoss(where + ": " + ZipMessage(zip_));
  // The header: magic, version, length, then the dict (at most 4 GiB, in practice < 64 KiB).
  std::vector<uint8_t> head(12);
  const uint64_t first = std::min<uint64_t>(st.size, head.size());
  SURGEON_RETURN_IF_ERROR(ReadExactly(f.get(), head.data(), first, where));
  head.resize(first);
  SURGEON_ASSIGN_OR_RETURN(const uint64_t header_total, NpyHeaderSize(head, where));
  if (header_total > st.size) return Status::DataLoss(where + ": not a valid .npy array: header runs past the member");
  head.resize(header_total);
  SURGEON_RETURN_IF_ERROR(ReadExactly(f.get(), head.data() + first, header_total - first, where));
  SURGEON_ASSIGN_OR_RETURN(NpyHeader h, ParseNpyHeader(head, where));
  auto bytes = FixedTensorBytes(h.dtype, h.shape);
  if (!bytes.ok()) return Status::DataLoss(where + ": " + bytes.status().message());
  if (st.size != h.data_offset + *bytes) {
    return Status::DataLoss(where + ": holds " + std::to_string(st.size - h.data_offset) + " data bytes, but " +
                            DataTypeShortName(h.dtype) + " " + ShapeToString(h.shape) + " needs " +
                            std::to_string(*bytes));
  }
  TensorEntry e;
  e.key = name.substr(0, name.size() - kNpy.size());
  if (members_.count(e.key)) return Status::DataLoss(where + ": the archive holds two members named " + name);
  e.dtype = h.dtype;
  e.shape = h.shape;
  e.shard_id = 0;
  e.offset = index;
  e.size = *bytes;
  members_[e.key] = Member{index, h};
  entries_.push_back(std::move(e));
  return Status::OK();
}

Result<TensorData> NpzReader::Read(const TensorEntry& e) const {
  auto it = members_.find(e.key);
  if (it == members_.end()) return Status::NotFound(path_ + ": no member for tensor '" + e.key + "'");
  const Member& m = it->second;
  const std::string where = Where(e.key + std::string(kNpy));
  ZipFile f(zip_fopen_index(zip_, m.index, 0));
  if (!f) return Status::DataLoss(where + ": " + ZipMessage(zip_));
  std::vector<uint8_t> skip(m.header.data_offset);
  SURGEON_RETURN_IF_ERROR(ReadExactly(f.get(), skip.data(), skip.size(), where));
  std::vector<uint8_t> data(e.size);
  SURGEON_RETURN_IF_ERROR(ReadExactly(f.get(), data.data(), data.size(), where));
  // libzip checks the CRC-32 once the whole member has been read: ask for one
  // more byte so a mismatch surfaces here.
  uint8_t extra;
  if (zip_fread(f.get(), &extra, 1) < 0) return Status::DataLoss(where + ": " + zip_file_strerror(f.get()));
  if (m.header.fortran_order) data = FortranToRowMajor(data, e.shape, DataTypeSize(e.dtype));
  const uint32_t crc = crc32c::Mask(crc32c::Value(data.data(), data.size()));
  return TensorData::Owned(std::move(data), crc);
}

}  // namespace

Result<std::unique_ptr<CheckpointReader>> OpenNpz(const std::string& path) { return NpzReader::Open(path); }

}  // namespace surgeon
