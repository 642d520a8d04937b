// Shared test helpers: the TF corpus location, temp dirs, byte helpers.
#ifndef SURGEON_TESTS_TESTING_H_
#define SURGEON_TESTS_TESTING_H_

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catch_compat.h"
#include "surgeon/format/checkpoint.h"

namespace surgeon::testing {

// ../shared/tf-corpus next to the source tree (or $SURGEON_CORPUS), if present.
std::optional<std::string> CorpusDir();
// Every case directory of the corpus (sorted); empty when absent.
std::vector<std::string> CorpusCases();
// A fresh empty directory under the build's temp area, removed at exit.
std::string MakeTempDir(const std::string& tag);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& contents);
std::string Sha256Hex(const void* data, size_t n);
// Runs a shell command, returns {exit status, stdout+stderr}.
std::pair<int, std::string> Run(const std::string& cmd);
// Path of the built surgeon binary.
std::string SurgeonBinary();
// Path of the built examples/make_vgg16 generator.
std::string MakeVgg16Binary();

// A corpus case's expected.json.
inline nlohmann::json LoadExpected(const std::string& case_dir) {
  return nlohmann::json::parse(ReadFile(case_dir + "/expected.json"));
}
// The status of reading tensor `key`, which must be listed.
inline Status ReadStatus(const CheckpointReader& r, const std::string& key) {
  const TensorEntry* e = r.Find(key);
  REQUIRE(e != nullptr);
  return r.Read(*e).status();
}
// Tensor `key` (listed, readable, float32) as floats.
inline std::vector<float> ReadFloats(const CheckpointReader& r, const std::string& key) {
  const TensorEntry* e = r.Find(key);
  REQUIRE(e != nullptr);
  auto d = r.Read(*e);
  REQUIRE(d.ok());
  std::vector<float> v(d->bytes().size() / 4);
  std::memcpy(v.data(), d->bytes().data(), d->bytes().size());
  return v;
}
// "<dir>/<base>-<k>-of-<n>", as TF's ShardedFilename spells a V1 shard.
inline std::string ShardName(const std::string& dir, const std::string& base, int k, int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "-%05d-of-%05d", k, n);
  return dir + "/" + base + buf;
}
// 'text', as a shell word (no quote inside).
inline std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace surgeon::testing

// Skips the rest of the test with a visible message when the corpus is absent.
#define SURGEON_REQUIRE_CORPUS(var)                                          \
  auto var##_opt = ::surgeon::testing::CorpusDir();                          \
  if (!var##_opt) {                                                          \
    WARN("SKIPPED: ../shared/tf-corpus not found; corpus test did not run"); \
    return;                                                                  \
  }                                                                          \
  const std::string var = *var##_opt

#endif  // SURGEON_TESTS_TESTING_H_
