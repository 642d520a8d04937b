// StagedOutput's guarantees that no other test states directly: temporaries
// are recognizable by name, and one directory is staged into by one process
// (here: one StagedOutput) at a time.
#include <filesystem>

#include "surgeon/base/file.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;

TEST_CASE("StagedOutput: FinalNameOfTemp recognizes only <final>.tempstate<digits>", "[base][staged]") {
  CHECK(StagedOutput::FinalNameOfTemp("a/m.index.tempstate123") == "a/m.index");
  CHECK(StagedOutput::FinalNameOfTemp("checkpoint.tempstate18446744073709551615") == "checkpoint");
  CHECK(StagedOutput::FinalNameOfTemp("m.index.tempstate") == "");
  CHECK(StagedOutput::FinalNameOfTemp("m.index.tempstate12a") == "");
  CHECK(StagedOutput::FinalNameOfTemp(".tempstate12") == "");
  CHECK(StagedOutput::FinalNameOfTemp("m.index") == "");
}

TEST_CASE("StagedOutput: a temporary it created is named for its final path", "[base][staged]") {
  const std::string dir = testing::MakeTempDir("staged-name");
  StagedOutput out;
  REQUIRE(out.Add(dir + "/x.index").ok());
  int temps = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    CHECK(StagedOutput::FinalNameOfTemp(e.path().string()) == dir + "/x.index");
    ++temps;
  }
  CHECK(temps == 1);
}

TEST_CASE("StagedOutput: a directory being staged into is refused to a second writer until released",
          "[base][staged]") {
  const std::string dir = testing::MakeTempDir("staged-lock");
  auto first = std::make_unique<StagedOutput>();
  REQUIRE(first->Add(dir + "/a.index").ok());
  REQUIRE(first->Add(dir + "/./a.meta").ok());  // same directory, another spelling: not a conflict
  {
    StagedOutput second;
    auto r = second.Add(dir + "/b.index");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
    CHECK(r.status().message().find(dir) != std::string::npos);
    CHECK(r.status().message().find("another process") != std::string::npos);
    // Another directory is free.
    CHECK(second.Add(dir + "/sub/b.index").ok());
  }
  CHECK_FALSE(fs::exists(dir + "/b.index"));
  REQUIRE(first->Commit().ok());
  CHECK(fs::exists(dir + "/a.index"));
  first.reset();  // releases the lock
  StagedOutput third;
  CHECK(third.Add(dir + "/c.index").ok());
}

}  // namespace
}  // namespace surgeon
