// copy_micro: measures the building blocks of surgeon's copy path on one
// file (warm page cache), to decide how `run`/`convert` should move bytes.
//
//   g++ -O2 -std=c++20 bench/copy_micro.cc -o build-bench/copy_micro -lisal -pthread
//   build-bench/copy_micro SRC_FILE OUT_DIR [ROUNDS]
//
// Every variant reads all of SRC_FILE, computes its CRC32C (except the pure
// copies) and (for the copying ones) writes it to OUT_DIR/micro.out, which is
// removed afterwards. Prints the median wall time of each variant.
#include <fcntl.h>
#include <isa-l/crc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

size_t kChunk = std::getenv("CHUNK") ? std::strtoul(std::getenv("CHUNK"), nullptr, 0) : 8 << 20;

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

uint32_t Crc(const void* p, size_t n, uint32_t c = 0) {
  return crc32_iscsi(static_cast<unsigned char*>(const_cast<void*>(p)), static_cast<int>(n), c);
}

struct Src {
  int fd;
  size_t size;
};

const uint8_t* Map(const Src& s) {
  void* p = mmap(nullptr, s.size, PROT_READ, MAP_PRIVATE, s.fd, 0);
  if (p == MAP_FAILED) std::abort();
  return static_cast<const uint8_t*>(p);
}

void DontNeed(const uint8_t* base, size_t off, size_t n) {
  madvise(const_cast<uint8_t*>(base) + off, n, MADV_DONTNEED);
}

void WriteAll(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) std::abort();
    p += w;
    n -= static_cast<size_t>(w);
  }
}

std::string g_out;
int Create() {
  int fd = open(g_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) std::abort();
  return fd;
}
void Finish(int fd) {
  close(fd);
  unlink(g_out.c_str());
}

uint32_t g_sink;

// CRC over a fresh mmap, one call.
void CrcMmap(const Src& s) {
  const uint8_t* m = Map(s);
  g_sink = Crc(m, s.size);
  munmap(const_cast<uint8_t*>(m), s.size);
}
// CRC over a fresh mmap with MADV_SEQUENTIAL|WILLNEED and drop-behind per chunk.
void CrcMmapDrop(const Src& s) {
  const uint8_t* m = Map(s);
  madvise(const_cast<uint8_t*>(m), s.size, MADV_SEQUENTIAL);
  uint32_t c = 0;
  for (size_t off = 0; off < s.size; off += kChunk) {
    size_t n = std::min(kChunk, s.size - off);
    c = Crc(m + off, n, c);
    DontNeed(m, off, n);
  }
  g_sink = c;
  munmap(const_cast<uint8_t*>(m), s.size);
}
// CRC via pread into a small reused buffer.
void CrcPread(const Src& s, size_t buf_size) {
  std::vector<uint8_t> buf(buf_size);
  uint32_t c = 0;
  for (size_t off = 0; off < s.size;) {
    ssize_t r = pread(s.fd, buf.data(), std::min(buf_size, s.size - off), off);
    if (r <= 0) std::abort();
    c = Crc(buf.data(), r, c);
    off += r;
  }
  g_sink = c;
}
// cp: copy_file_range of the whole file.
void CopyFileRange(const Src& s) {
  int out = Create();
  loff_t in_off = 0;
  size_t left = s.size;
  while (left > 0) {
    ssize_t r = copy_file_range(s.fd, &in_off, out, nullptr, left, 0);
    if (r <= 0) std::abort();
    left -= r;
  }
  Finish(out);
}
// CRC over mmap, then write() straight from the mmap (current surgeon).
void CrcThenWriteMmap(const Src& s) {
  const uint8_t* m = Map(s);
  g_sink = Crc(m, s.size);
  int out = Create();
  WriteAll(out, m, s.size);
  Finish(out);
  munmap(const_cast<uint8_t*>(m), s.size);
}
// Per chunk: CRC over mmap, write() from mmap, drop behind.
void ChunkCrcWriteMmapDrop(const Src& s) {
  const uint8_t* m = Map(s);
  madvise(const_cast<uint8_t*>(m), s.size, MADV_SEQUENTIAL);
  int out = Create();
  uint32_t c = 0;
  for (size_t off = 0; off < s.size; off += kChunk) {
    size_t n = std::min(kChunk, s.size - off);
    c = Crc(m + off, n, c);
    WriteAll(out, m + off, n);
    DontNeed(m, off, n);
  }
  g_sink = c;
  Finish(out);
  munmap(const_cast<uint8_t*>(m), s.size);
}
// Per chunk: pread into a reused buffer, CRC, write.
void ChunkPreadCrcWrite(const Src& s, size_t buf_size) {
  std::vector<uint8_t> buf(buf_size);
  int out = Create();
  uint32_t c = 0;
  for (size_t off = 0; off < s.size;) {
    ssize_t r = pread(s.fd, buf.data(), std::min(buf_size, s.size - off), off);
    if (r <= 0) std::abort();
    c = Crc(buf.data(), r, c);
    WriteAll(out, buf.data(), r);
    off += r;
  }
  g_sink = c;
  Finish(out);
}
// CRC over mmap (drop behind), then copy_file_range (sequential).
void CrcThenCopyFileRange(const Src& s) {
  CrcMmapDrop(s);
  CopyFileRange(s);
}
// Two threads: one CRCs (mmap, drop behind) while the other copy_file_ranges.
void ParallelCrcCopyFileRange(const Src& s) {
  std::thread t([&] { CrcMmapDrop(s); });
  CopyFileRange(s);
  t.join();
}
// Two threads: one CRCs via pread into a small buffer while the other copy_file_ranges.
void ParallelCrcPreadCopyFileRange(const Src& s, size_t buf_size) {
  std::thread t([&] { CrcPread(s, buf_size); });
  CopyFileRange(s);
  t.join();
}
// CRC through windows of the file mapped with MAP_POPULATE, each unmapped
// after (one TLB flush per window instead of per piece).
void CrcMmapWindows(const Src& s, size_t window) {
  uint32_t c = 0;
  for (size_t off = 0; off < s.size; off += window) {
    size_t n = std::min(window, s.size - off);
    void* p = mmap(nullptr, n, PROT_READ, MAP_PRIVATE | MAP_POPULATE, s.fd, off);
    if (p == MAP_FAILED) std::abort();
    c = Crc(p, n, c);
    munmap(p, n);
  }
  g_sink = c;
}
void ParallelCrcWindowsCopyFileRange(const Src& s, size_t window) {
  std::thread t([&] { CrcMmapWindows(s, window); });
  CopyFileRange(s);
  t.join();
}
// Two threads: one CRCs a fresh mmap (no drop-behind, one munmap) while the other copy_file_ranges.
void ParallelCrcMmapCopyFileRange(const Src& s) {
  std::thread t([&] { CrcMmap(s); });
  CopyFileRange(s);
  t.join();
}
// Two threads: CRC (pread) while the other write()s from mmap with drop-behind.
void ParallelCrcWriteMmap(const Src& s) {
  std::thread t([&] { CrcPread(s, 1 << 20); });
  const uint8_t* m = Map(s);
  madvise(const_cast<uint8_t*>(m), s.size, MADV_SEQUENTIAL);
  int out = Create();
  for (size_t off = 0; off < s.size; off += kChunk) {
    size_t n = std::min(kChunk, s.size - off);
    WriteAll(out, m + off, n);
    DontNeed(m, off, n);
  }
  Finish(out);
  munmap(const_cast<uint8_t*>(m), s.size);
  t.join();
}
// Two threads, chunk pipeline: CRC thread runs ahead over the mmap, writer
// follows writing from the mmap, writer drops behind.
void PipelineMmap(const Src& s) {
  const uint8_t* m = Map(s);
  madvise(const_cast<uint8_t*>(m), s.size, MADV_SEQUENTIAL);
  std::atomic<size_t> crc_done{0};
  std::thread t([&] {
    uint32_t c = 0;
    for (size_t off = 0; off < s.size; off += kChunk) {
      size_t n = std::min(kChunk, s.size - off);
      c = Crc(m + off, n, c);
      crc_done.store(off + n, std::memory_order_release);
    }
    g_sink = c;
  });
  int out = Create();
  for (size_t off = 0; off < s.size; off += kChunk) {
    size_t n = std::min(kChunk, s.size - off);
    while (crc_done.load(std::memory_order_acquire) < off + n) std::this_thread::yield();
    WriteAll(out, m + off, n);
    DontNeed(m, off, n);
  }
  t.join();
  Finish(out);
  munmap(const_cast<uint8_t*>(m), s.size);
}

// FILTER is a comma-separated list of substrings of variant names; empty
// selects all.
bool Selected(const std::string& name, const std::string& filter) {
  if (filter.empty()) return true;
  for (size_t begin = 0; begin <= filter.size();) {
    size_t end = filter.find(',', begin);
    if (end == std::string::npos) end = filter.size();
    if (end > begin && name.find(filter.substr(begin, end - begin)) != std::string::npos) return true;
    begin = end + 1;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SRC_FILE OUT_DIR [ROUNDS] [FILTER]\n", argv[0]);
    return 2;
  }
  Src s;
  s.fd = open(argv[1], O_RDONLY);
  if (s.fd < 0) return 1;
  struct stat st;
  fstat(s.fd, &st);
  s.size = st.st_size;
  g_out = std::string(argv[2]) + "/micro.out";
  int rounds = argc > 3 ? std::atoi(argv[3]) : 5;
  std::string filter = argc > 4 ? argv[4] : "";
  struct V {
    const char* name;
    std::function<void()> fn;
    std::vector<double> t;
  };
  std::vector<V> vs = {
      {"crc mmap", [&] { CrcMmap(s); }},
      {"crc mmap drop-behind", [&] { CrcMmapDrop(s); }},
      {"crc pread 256K", [&] { CrcPread(s, 256 << 10); }},
      {"crc pread 1M", [&] { CrcPread(s, 1 << 20); }},
      {"copy_file_range (cp)", [&] { CopyFileRange(s); }},
      {"crc mmap + write mmap", [&] { CrcThenWriteMmap(s); }},
      {"chunk crc+write mmap+drop", [&] { ChunkCrcWriteMmapDrop(s); }},
      {"chunk pread 1M crc write", [&] { ChunkPreadCrcWrite(s, 1 << 20); }},
      {"chunk pread 8M crc write", [&] { ChunkPreadCrcWrite(s, 8 << 20); }},
      {"crc drop; copy_file_range", [&] { CrcThenCopyFileRange(s); }},
      {"par crc || copy_file_range", [&] { ParallelCrcCopyFileRange(s); }},
      {"par crc pread 256K || cfr", [&] { ParallelCrcPreadCopyFileRange(s, 256 << 10); }},
      {"par crc pread 1M || cfr", [&] { ParallelCrcPreadCopyFileRange(s, 1 << 20); }},
      {"par crc win 16M || cfr", [&] { ParallelCrcWindowsCopyFileRange(s, 16 << 20); }},
      {"par crc win 64M || cfr", [&] { ParallelCrcWindowsCopyFileRange(s, 64 << 20); }},
      {"par crc mmap nodrop || cfr", [&] { ParallelCrcMmapCopyFileRange(s); }},
      {"par crc pread || write mmap", [&] { ParallelCrcWriteMmap(s); }},
      {"pipeline crc->write mmap", [&] { PipelineMmap(s); }},
  };
  // Warm-up (page cache).
  CrcPread(s, 1 << 20);
  for (int r = 0; r < rounds; ++r) {
    for (auto& v : vs) {
      if (!Selected(v.name, filter)) continue;
      sync();  // Untimed: no variant pays for another's writeback (as bench.py does).
      double t0 = Now();
      v.fn();
      v.t.push_back(Now() - t0);
    }
  }
  std::printf("%-30s %9s %9s  (%zu bytes, %d rounds)\n", "variant", "median s", "MB/s", s.size, rounds);
  for (auto& v : vs) {
    if (v.t.empty()) continue;
    std::sort(v.t.begin(), v.t.end());
    double med = v.t[v.t.size() / 2];
    std::printf("%-30s %9.4f %9.0f\n", v.name, med, s.size / med / 1e6);
  }
  return 0;
}
