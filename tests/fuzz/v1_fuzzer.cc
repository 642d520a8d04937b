// libFuzzer target: see fuzz_entry.h (FuzzV1). Built by -DSURGEON_FUZZ=ON;
// run by scripts/fuzz.sh.
#include "fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return surgeon::fuzz::FuzzV1(data, size); }
