// Plain-text output helpers shared by the plan printer and the CLI: byte
// counts for humans and column-aligned tables.
#ifndef SURGEON_BASE_TEXT_TABLE_H_
#define SURGEON_BASE_TEXT_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace surgeon {

// "512 B", "160.0 KiB", "32.0 MiB", "1.29 GiB" (binary units; two decimals
// from GiB on, where one would hide a 50 MB difference).
std::string HumanBytes(uint64_t bytes);

// Rows of cells as columns separated by two spaces, each as wide as its
// widest cell, one line per row ending in '\n'. Columns whose index is in
// `right_aligned` are padded on the left (numbers); trailing blanks are cut.
std::string RenderColumns(const std::vector<std::vector<std::string>>& rows,
                          const std::vector<size_t>& right_aligned = {});

}  // namespace surgeon

#endif  // SURGEON_BASE_TEXT_TABLE_H_
