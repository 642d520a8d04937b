// Replays every saved fuzzer input (tests/fuzz/regressions/<target>/*)
// through the same entry point the libFuzzer target uses (fuzz_entry.h), so
// a crash once found stays fixed in the normal (and the ASan) test run. Also
// pushes every small corpus file through every entry point.
#include <google/protobuf/stubs/logging.h>

#include <filesystem>

#include "fuzz/fuzz_entry.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using Entry = int (*)(const uint8_t*, size_t);

const std::vector<std::pair<std::string, Entry>>& Targets() {
  static const std::vector<std::pair<std::string, Entry>> t = {
      {"table", fuzz::FuzzTable},
      {"bundle", fuzz::FuzzBundle},
      {"v1", fuzz::FuzzV1},
      {"meta_graph", fuzz::FuzzMetaGraph},
      {"config", fuzz::FuzzConfig},
      {"safetensors", fuzz::FuzzSafetensors},
      {"checkpoint_path", fuzz::FuzzCheckpointPath},
      {"plan", fuzz::FuzzPlan},
  };
  return t;
}

void RunFile(Entry fn, const std::string& path) {
  std::string bytes = testing::ReadFile(path);
  fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

TEST_CASE("Fuzz regressions: every saved input runs cleanly through its target", "[reliability][fuzz]") {
  const fs::path root = fs::path(SURGEON_SOURCE_DIR) / "tests" / "fuzz" / "regressions";
  int n = 0;
  for (const auto& [name, fn] : Targets()) {
    const fs::path dir = root / name;
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      INFO(name << ": " << f.string());
      RunFile(fn, f.string());  // under ASan/UBSan: no report
      ++n;
      // The config crashes were all configs to refuse: they still are, with
      // a message naming the file and line.
      if (name == "config" && f.filename().string().rfind("crash-", 0) == 0) {
        auto cfg = ParseConfig(testing::ReadFile(f.string()), "fuzz.yaml", testing::MakeTempDir("fuzz-regression"));
        REQUIRE_FALSE(cfg.ok());
        CHECK(cfg.status().message().rfind("fuzz.yaml:", 0) == 0);
      }
    }
  }
  CHECK(n >= 3);  // the directory is read: it holds at least the three config inputs
}

TEST_CASE("Fuzz entry points accept every small corpus file", "[reliability][fuzz][corpus]") {
  SURGEON_REQUIRE_CORPUS(corpus);
  google::protobuf::LogSilencer quiet;  // a .index read as a graph logs its invalid UTF-8 strings
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(corpus)) {
    if (!e.is_regular_file() || e.file_size() > (1 << 20)) continue;
    for (const auto& [name, fn] : Targets()) {
      INFO(name << ": " << e.path().string());
      RunFile(fn, e.path().string());
      ++n;
    }
  }
  CHECK(n > 0);
}

TEST_CASE("Fuzz entry points: empty and tiny inputs", "[reliability][fuzz]") {
  for (const auto& [name, fn] : Targets()) {
    INFO(name);
    fn(nullptr, 0);
    const uint8_t one = 0x0a;
    fn(&one, 1);
    std::string ff(100, '\xff');
    fn(reinterpret_cast<const uint8_t*>(ff.data()), ff.size());
  }
}

}  // namespace surgeon
