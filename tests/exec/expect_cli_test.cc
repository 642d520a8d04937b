// End to end: a failing `expect:` makes `surgeon plan` exit
// non-zero naming each broken expectation, and `surgeon run` writes nothing.
#include <cstring>
#include <filesystem>

#include "surgeon/format/bundle.h"
#include "testing.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;
using testing::Run;
using testing::WriteFile;

std::string Q(const std::string& s) { return "'" + s + "'"; }
bool Contains(const std::string& s, const std::string& x) { return s.find(x) != std::string::npos; }

void WriteModel(const std::string& prefix) {
  StagedOutput out;
  auto w = BundleWriter::Create(&out, prefix);
  REQUIRE(w.ok());
  for (const auto& [key, shape] : std::vector<std::pair<std::string, Shape>>{
           {"net/fc/bias", {3}}, {"net/fc/kernel", {4, 3}}, {"net/out/bias", {2}}, {"net/out/kernel", {3, 2}}}) {
    std::vector<uint8_t> data(*FixedTensorBytes(DataType::kFloat, shape), 0);
    REQUIRE((*w)->Add(key, DataType::kFloat, shape, ByteSpan(data.data(), data.size())).ok());
  }
  REQUIRE((*w)->Finish().ok());
  REQUIRE(out.Commit().ok());
}

// A permissive config: both kernels are re-initialized, though only the
// head was meant to be. 12 + 6 of 23 model elements are not copied.
const char kConfig[] = R"(source: src/model.ckpt
target: out/model.ckpt-0
seed: 1
drop: ["net/out/*", "net/fc/kernel"]
allow_shape_change: ["*"]
new:
  - {name: net/out/kernel, shape: [3, 5], initializer: zeros}
  - {name: net/out/bias, shape: [5], initializer: zeros}
  - {name: net/fc/kernel, shape: [4, 3], initializer: glorot_uniform}
expect:
  initialized: ["net/out/*"]
  min_copied_fraction: 0.5
)";

TEST_CASE("plan exits non-zero on a broken expectation; run writes nothing", "[cli][expect]") {
  const std::string s = testing::SurgeonBinary();
  const std::string dir = testing::MakeTempDir("expect");
  WriteModel(dir + "/src/model.ckpt");
  WriteFile(dir + "/c.yaml", kConfig);
  auto [rc, out] = Run(s + " plan " + Q(dir + "/c.yaml") + " 2>&1");
  INFO(out);
  CHECK(rc != 0);
  CHECK(Contains(out,
                 "c.yaml:11:16: expect.initialized: 1 target variable(s) would be initialized that no pattern "
                 "allows ('net/out/*'): net/fc/kernel\n"));
  CHECK(Contains(out,
                 "c.yaml:12:24: expect.min_copied_fraction: 3 of 23 source model parameter elements copied "
                 "(0.1304), expected >= 0.5000 of the source model parameters' elements; not copied, largest "
                 "first: net/fc/kernel (12), net/out/kernel (6), net/out/bias (2)"));

  auto [run_rc, run_out] = Run(s + " run -q " + Q(dir + "/c.yaml") + " --report " + Q(dir + "/r.json") + " 2>&1");
  INFO(run_out);
  CHECK(run_rc == rc);
  CHECK(Contains(run_out, "expect.initialized"));
  CHECK_FALSE(fs::exists(dir + "/out"));
  CHECK_FALSE(fs::exists(dir + "/r.json"));

  // Met expectations are shown with the plan, and the run goes ahead.
  std::string ok = kConfig;
  const std::string head_only = "[\"net/out/*\"]";
  ok.replace(ok.find(head_only), head_only.size(), "[\"net/*\"]");
  ok.replace(ok.find("0.5"), 3, "0.1");
  WriteFile(dir + "/ok.yaml", ok);
  auto [ok_rc, ok_out] = Run(s + " plan " + Q(dir + "/ok.yaml") + " 2>&1");
  INFO(ok_out);
  CHECK(ok_rc == 0);
  CHECK(
      Contains(ok_out, "expect.initialized (" + dir + "/ok.yaml:11:16): met, expected only 'net/*': 3 initialized\n"));
  auto [ok_run, ok_run_out] = Run(s + " run -q " + Q(dir + "/ok.yaml") + " 2>&1");
  INFO(ok_run_out);
  CHECK(ok_run == 0);
  CHECK(fs::exists(dir + "/out/model.ckpt-0.index"));
}

}  // namespace
}  // namespace surgeon
