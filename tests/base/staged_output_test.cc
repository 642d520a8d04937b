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

namespace surgeon {

TEST_CASE("StagedOutput: a shared file is renamed into place, or only its temporary name removed",
          "[base][staged][link]") {
  const std::string dir = testing::MakeTempDir("staged-shared");
  testing::WriteFile(dir + "/source", "tensor bytes");
  {
    StagedOutput abandoned;
    REQUIRE(abandoned.AddShared(dir + "/t.data", dir + "/source").ok());
  }
  CHECK(!fs::exists(dir + "/t.data"));
  CHECK(testing::ReadFile(dir + "/source") == "tensor bytes");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  CHECK(names == std::vector<std::string>{"source"});

  // Twice to the same final name: the second rename is between two names of
  // one inode when the first was a hard link; no temporary may stay.
  for (int i = 0; i < 2; ++i) {
    StagedOutput out;
    auto kind = out.AddShared(dir + "/t.data", dir + "/source");
    REQUIRE(kind.ok());
    REQUIRE(out.Commit(/*sync=*/true).ok());
    CHECK(testing::ReadFile(dir + "/t.data") == "tensor bytes");
    if (*kind == ShareKind::kHardLink) CHECK(fs::equivalent(dir + "/t.data", dir + "/source"));
  }
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 2);

  StagedOutput missing;
  auto r = missing.AddShared(dir + "/u.data", dir + "/no-such-file");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kFailedPrecondition);
  CHECK(r.status().message().rfind(dir + "/u.data: cannot share " + dir + "/no-such-file: reflink: ", 0) == 0);
  CHECK(r.status().message().find("; hard link: No such file or directory") != std::string::npos);
  files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 2);
}

}  // namespace surgeon
