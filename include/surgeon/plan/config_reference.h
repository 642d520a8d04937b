// Every key a surgery config accepts, as data: the parser takes its allowed
// keys from here, `surgeon plan --help` prints it, and the README's "Config
// reference" section is ConfigReferenceMarkdown() verbatim (a test compares
// them), so the documentation cannot drift from the parser.
#ifndef SURGEON_PLAN_CONFIG_REFERENCE_H_
#define SURGEON_PLAN_CONFIG_REFERENCE_H_

#include <string>
#include <string_view>
#include <vector>

#include "surgeon/plan/initializer.h"

namespace surgeon {

struct ConfigKeyDoc {
  std::string map;      // The map the key lives in: "" (top level), "source", "rename[]", "new[]", ...
  std::string key;      // "checkpoint"
  std::string value;    // What it takes: "path", "list of patterns", ...
  std::string meaning;  // One or two sentences, with the default.
};
const std::vector<ConfigKeyDoc>& ConfigKeyReference();

// The keys allowed in `map` ("" for the top level), in reference order.
std::vector<std::string> ConfigKeysIn(std::string_view map);

// Its parameters (keys besides `type`) are InitializerParams(kind).
struct InitializerDoc {
  InitializerKind kind;
  std::string defaults;  // "mean: 0, stddev: 1"
  std::string meaning;   // "TF's tf.truncated_normal_initializer"
};
const std::vector<InitializerDoc>& InitializerReference();

// Markdown tables (keys, then initializers) for the README.
std::string ConfigReferenceMarkdown();
// The same as plain text for --help.
std::string ConfigReferenceText();

}  // namespace surgeon

#endif  // SURGEON_PLAN_CONFIG_REFERENCE_H_
