// The `checkpoint` state file: parsed as TF's reader does, written byte for
// byte as TF's writer does (the corpus state files are TF-written).
#include "surgeon/format/checkpoint_state.h"

#include <filesystem>

#include "testing.h"

namespace surgeon {
namespace {

TEST_CASE("CheckpointState: every corpus state file parses and re-serializes to its exact bytes",
          "[checkpoint_state][corpus]") {
  auto corpus = testing::CorpusDir();
  if (!corpus) {
    WARN("SKIPPED: corpus not found");
    return;
  }
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(*corpus)) {
    const std::string path = e.path().string() + "/checkpoint";
    if (!std::filesystem::exists(path)) continue;
    const std::string text = testing::ReadFile(path);
    auto state = ParseCheckpointState(text, path);
    INFO(path);
    REQUIRE(state.ok());
    CHECK_FALSE(state->model_checkpoint_path.empty());
    REQUIRE_FALSE(state->all_model_checkpoint_paths.empty());
    CHECK(state->all_model_checkpoint_paths.back() == state->model_checkpoint_path);
    CHECK(SerializeCheckpointState(*state) == text);
    ++files;
  }
  CHECK(files >= 10);
}

TEST_CASE("CheckpointState: text format details TF's writer and hand edits produce", "[checkpoint_state]") {
  auto s = ParseCheckpointState(
      "# written by hand\n"
      "all_model_checkpoint_paths: 'model.ckpt-1'\n"
      "model_checkpoint_path : \"dir/model.ckpt-2\"  # latest\n"
      "all_model_checkpoint_paths: \"C:\\\\runs\\\\model.ckpt-2\"\n"
      "all_model_checkpoint_timestamps: 1574812345.25\n"
      "all_model_checkpoint_timestamps: 1574812399\n"
      "last_preserved_timestamp: 1574800000.5\n",
      "checkpoint");
  REQUIRE(s.ok());
  CHECK(s->model_checkpoint_path == "dir/model.ckpt-2");
  CHECK(s->all_model_checkpoint_paths == std::vector<std::string>{"model.ckpt-1", "C:\\runs\\model.ckpt-2"});
  CHECK(s->all_model_checkpoint_timestamps == std::vector<double>{1574812345.25, 1574812399});
  CHECK(s->last_preserved_timestamp == 1574800000.5);
  // text_format.Merge: a singular field given twice keeps the last value.
  auto twice = ParseCheckpointState("model_checkpoint_path: \"a\"\nmodel_checkpoint_path: \"b\"\n", "checkpoint");
  REQUIRE(twice.ok());
  CHECK(twice->model_checkpoint_path == "b");
  // Non-ASCII and quotes survive a round trip (octal escapes, as TF writes them).
  CheckpointState odd;
  odd.model_checkpoint_path = "m\xc3\xa9t\"e/o\\d'.ckpt";
  odd.all_model_checkpoint_paths = {odd.model_checkpoint_path};
  const std::string text = SerializeCheckpointState(odd);
  CHECK(text.find("\\303\\251") != std::string::npos);
  auto back = ParseCheckpointState(text, "checkpoint");
  REQUIRE(back.ok());
  CHECK(back->model_checkpoint_path == odd.model_checkpoint_path);
  CHECK(back->all_model_checkpoint_paths == odd.all_model_checkpoint_paths);
}

TEST_CASE("CheckpointState: malformed files are InvalidArgument naming file, line and column",
          "[checkpoint_state][corruption]") {
  struct Case {
    std::string text, expect;
  };
  const std::vector<Case> cases = {
      {"", "model_checkpoint_path is missing or empty"},
      {"all_model_checkpoint_paths: \"a\"\n", "model_checkpoint_path is missing or empty"},
      {"model_checkpoint_path: \"\"\n", "model_checkpoint_path is missing or empty"},
      {"model_checkpoint_path: \"a\"\nsave_counter: 3\n", "state:2:"},
      {"model_checkpoint_path: \"a\n", "state:1:"},
      {"model_checkpoint_path: 7\n", "state:1:"},
      {"model_checkpoint_path \"a\"\n", "state:1:23: Expected \":\""},
      {"model_checkpoint_path: \"a\"\nall_model_checkpoint_timestamps: yesterday\n", "state:2:34:"},
      {std::string("\x89PNG\r\n\x1a\n", 8), "state:1:"},
      {"{\"model_checkpoint_path\": \"a\"}", "state:1:"},
  };
  for (const auto& c : cases) {
    auto r = ParseCheckpointState(c.text, "state");
    INFO(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK(r.status().message().rfind("state", 0) == 0);
    CHECK(r.status().message().find(c.expect) != std::string::npos);
  }
}

}  // namespace
}  // namespace surgeon
