// libFuzzer target: see fuzz_entry.h (FuzzTable). Built by -DSURGEON_FUZZ=ON;
// run by scripts/fuzz.sh.
#include "fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return surgeon::fuzz::FuzzTable(data, size); }
