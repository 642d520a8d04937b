// Shared test helpers: the TF corpus location, temp dirs, byte helpers.
#ifndef SURGEON_TESTS_TESTING_H_
#define SURGEON_TESTS_TESTING_H_

#include "catch_compat.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

}  // namespace surgeon::testing

// Skips the rest of the test with a visible message when the corpus is absent.
#define SURGEON_REQUIRE_CORPUS(var)                                                  \
  auto var##_opt = ::surgeon::testing::CorpusDir();                                  \
  if (!var##_opt) {                                                                  \
    WARN("SKIPPED: ../shared/tf-corpus not found; corpus test did not run");        \
    return;                                                                          \
  }                                                                                  \
  const std::string var = *var##_opt

#endif  // SURGEON_TESTS_TESTING_H_
