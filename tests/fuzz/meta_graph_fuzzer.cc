// libFuzzer target: see fuzz_entry.h (FuzzMetaGraph: parse, summarize,
// check, rewrite and check again). Built by -DSURGEON_FUZZ=ON;
// run by scripts/fuzz.sh.
#include "fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return surgeon::fuzz::FuzzMetaGraph(data, size);
}
