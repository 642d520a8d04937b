#include "format/keras_names.h"

#include <regex>

namespace surgeon {
namespace {

std::string StripIndex(const std::string& weight_name) {
  static const std::regex kSuffix(":\\d+$");
  return std::regex_replace(weight_name, kSuffix, "");
}

// Keras 1 / Theano-era weight names: "<layer>_<param>[_<n>]".
std::string Keras1Role(const std::string& param) {
  if (param == "W") return "kernel";
  if (param == "b") return "bias";
  if (param == "running_mean") return "moving_mean";
  if (param == "running_std") return "moving_variance";
  if (param == "U") return "recurrent_kernel";
  return param;
}

constexpr const char* kOrder[] = {
    "depthwise_kernel", "pointwise_kernel", "kernel", "recurrent_kernel", "bias", "embeddings", "gamma", "beta",
    "moving_mean",      "moving_variance"};

}  // namespace

const char kKeras3NamingNote[] =
    "Keras 3 .weights.h5 has no variable names: <layer> is each vars group's 'name' attribute; roles are "
    "inferred from shapes (vars/0 rank>=2 kernel + rank-1 bias; kernel, recurrent_kernel, bias; four rank-1 "
    "gamma, beta, moving_mean, moving_variance; else the index)";

std::string KerasTensorName(const std::string& layer, const std::string& weight_name) {
  const std::string name = StripIndex(weight_name);
  if (name.rfind(layer + "/", 0) == 0) return name;
  static const std::regex kKeras1("^(.*)_(W|b|U|gamma|beta|running_mean|running_std)(_\\d+)?$");
  std::smatch m;
  if (std::regex_match(name, m, kKeras1) && m[1] == layer) return layer + "/" + Keras1Role(m[2]);
  return layer + "/" + name;
}

std::vector<std::string> Keras3Roles(const std::vector<Shape>& s) {
  auto rank = [&](size_t i) { return s[i].size(); };
  auto bias_of = [&](size_t b, size_t k) { return rank(b) == 1 && rank(k) >= 2 && s[b][0] == s[k].back(); };
  if (s.size() == 1 && rank(0) >= 2) return {"kernel"};
  if (s.size() == 2 && bias_of(1, 0)) return {"kernel", "bias"};
  if (s.size() == 3 && rank(0) >= 2 && rank(1) >= 2 && bias_of(2, 1)) return {"kernel", "recurrent_kernel", "bias"};
  if (s.size() == 4 && rank(0) == 1 && s[1] == s[0] && s[2] == s[0] && s[3] == s[0]) {
    return {"gamma", "beta", "moving_mean", "moving_variance"};
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size(); ++i) out.push_back(std::to_string(i));
  return out;
}

int KerasWeightRank(const std::string& role) {
  for (size_t i = 0; i < std::size(kOrder); ++i) {
    if (role == kOrder[i]) return static_cast<int>(i);
  }
  return static_cast<int>(std::size(kOrder));
}

}  // namespace surgeon
