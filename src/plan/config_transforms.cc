// The value-transform keys of a surgery config: reshape, classes and
// input_channels (config.h describes the data; the planner resolves it
// against the source in planner_transforms.cc). Only syntax and what needs
// no checkpoint is checked here: a permutation is a permutation, a label
// file exists and repeats no label, a channel entry is well formed.
#include <map>

#include "plan/config_parser.h"

namespace surgeon::config_internal {

Result<int> ConfigParser::SignedAxis(const YAML::Node& node, const std::string& path) const {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size() && v > -kMaxRank && v < kMaxRank) return v;
  }
  return Error(node, path, "expected an axis (an integer, negative from the end), got " + Describe(node));
}

Result<std::vector<int64_t>> ConfigParser::IntList(const YAML::Node& node, const std::string& path,
                                                   std::string_view what) const {
  if (!node.IsSequence() || node.size() == 0) {
    return Error(node, path, "expected a non-empty list of " + std::string(what) + ", got " + Describe(node));
  }
  std::vector<int64_t> out;
  for (size_t i = 0; i < node.size(); ++i) {
    SURGEON_ASSIGN_OR_RETURN(int64_t v, Int(node[i], path + "[" + std::to_string(i) + "]", "a non-negative integer"));
    out.push_back(v);
  }
  return out;
}

namespace {

// "OIHW" -> "HWIO" as a permutation (output axis i = input axis perm[i]),
// or the reason it is not one.
std::string LayoutPermutation(const std::string& from, const std::string& to, std::vector<int>* perm) {
  if (from.size() != to.size()) return "'" + from + "' and '" + to + "' have different lengths";
  std::set<char> seen;
  for (char ch : from) {
    if (!seen.insert(ch).second) return "'" + from + "' repeats the axis letter '" + std::string(1, ch) + "'";
  }
  for (char ch : to) {
    size_t i = from.find(ch);
    if (i == std::string::npos) return "axis '" + std::string(1, ch) + "' of '" + to + "' is not in '" + from + "'";
    perm->push_back(static_cast<int>(i));
  }
  if (std::set<char>(to.begin(), to.end()).size() != to.size()) return "'" + to + "' repeats an axis letter";
  return "";
}

}  // namespace

Result<ReshapeRule> ConfigParser::ParseReshape(const YAML::Node& node, const std::string& path) const {
  ReshapeRule r;
  r.key_path = path;
  r.pos = Pos(node);
  SURGEON_RETURN_IF_ERROR(ForEachKey(
      node, path, ConfigKeysIn("reshape[]"),
      [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
        if (key == "name") {
          SURGEON_ASSIGN_OR_RETURN(r.name, String(v, kp));
        } else if (key == "shape") {
          r.shape_pos = Pos(v);
          r.has_shape = true;
          SURGEON_ASSIGN_OR_RETURN(r.shape, IntList(v, kp, "dimensions"));
        } else if (key == "permute") {
          if (!r.permute.empty()) return Error(v, kp, "give either permute or layout, not both");
          r.permute_pos = Pos(v);
          SURGEON_ASSIGN_OR_RETURN(std::vector<int64_t> p, IntList(v, kp, "axes"));
          std::set<int64_t> axes(p.begin(), p.end());
          if (axes.size() != p.size() || *axes.rbegin() != static_cast<int64_t>(p.size()) - 1) {
            return Error(v, kp, "expected a permutation of 0.." + std::to_string(p.size() - 1));
          }
          r.permute.assign(p.begin(), p.end());
        } else if (key == "layout") {
          if (!r.permute.empty()) return Error(v, kp, "give either permute or layout, not both");
          r.permute_pos = Pos(v);
          SURGEON_RETURN_IF_ERROR(ForEachKey(
              v, kp, {"from", "to"}, [&](const std::string& k, const YAML::Node& lv, const std::string& lp) -> Status {
                SURGEON_ASSIGN_OR_RETURN(std::string s, String(lv, lp));
                (k == "from" ? r.layout_from : r.layout_to) = s;
                return Status::OK();
              }));
          SURGEON_RETURN_IF_ERROR(RequireKeys(v, kp, {"from", "to"}));
          std::string problem = LayoutPermutation(r.layout_from, r.layout_to, &r.permute);
          if (!problem.empty()) return Error(v, kp, problem);
        } else if (key == "flatten") {
          std::string s = v.IsScalar() ? v.Scalar() : "";
          if (s == "hwc")
            r.flatten = FlattenOrder::kHwc;
          else if (s == "chw")
            r.flatten = FlattenOrder::kChw;
          else
            return Error(
                v, kp,
                "expected hwc (channels_last, TF/Keras) or chw (channels_first, Caffe/PyTorch), got " + Describe(v));
        }
        return Status::OK();
      }));
  SURGEON_RETURN_IF_ERROR(RequireKeys(node, path, {"name"}));
  if (r.flatten != FlattenOrder::kNone && !r.permute.empty()) {
    return Error(node, path, "flatten already fixes the axis order; remove permute/layout");
  }
  if (!r.has_shape && r.permute.empty()) return Error(node, path, "expected shape, permute or layout");
  return r;
}

// One label per line; blanks around a label are ignored, an empty line is
// refused (except at the end), and a label given twice is an error naming
// both lines.
Result<LabelList> ConfigParser::ParseLabelFile(const YAML::Node& node, const std::string& path) const {
  LabelList list;
  list.pos = Pos(node);
  SURGEON_ASSIGN_OR_RETURN(std::string given, String(node, path));
  list.path = ResolvePath(given);
  // A label list is small text: refuse devices and FIFOs (/dev/zero never
  // ends) and anything beyond 64 MiB before reading.
  constexpr uintmax_t kMaxLabelFileBytes = uintmax_t{64} << 20;
  std::error_code ec;
  if (fs::exists(list.path, ec) && !fs::is_regular_file(list.path, ec)) {
    return Error(node, path, list.path + " is not a regular file");
  }
  if (fs::is_regular_file(list.path, ec) && fs::file_size(list.path, ec) > kMaxLabelFileBytes) {
    return Error(node, path, list.path + " is larger than 64 MiB; a label file has one label per line");
  }
  auto text = ReadFileToString(list.path);
  if (!text.ok()) return Error(node, path, "cannot read label file: " + text.status().message());
  std::map<std::string, size_t> line_of;
  size_t start = 0, line = 0;
  while (start < text->size()) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    ++line;
    std::string label = text->substr(start, end - start);
    while (!label.empty() && std::isspace(static_cast<unsigned char>(label.back()))) label.pop_back();
    size_t first = label.find_first_not_of(" \t");
    label = first == std::string::npos ? "" : label.substr(first);
    start = end + 1;
    if (label.empty()) {
      if (text->find_first_not_of(" \t\r\n", start) == std::string::npos) break;
      return Error(node, path, list.path + ":" + std::to_string(line) + ": empty label");
    }
    auto [it, inserted] = line_of.emplace(label, line);
    if (!inserted) {
      return Error(node, path,
                   list.path + ":" + std::to_string(line) + ": label '" + label + "' already on line " +
                       std::to_string(it->second));
    }
    list.labels.push_back(std::move(label));
  }
  if (list.labels.empty()) return Error(node, path, list.path + ": no labels");
  return list;
}

Result<ClassRule> ConfigParser::ParseClasses(const YAML::Node& node, const std::string& path) const {
  ClassRule r;
  r.key_path = path;
  r.pos = Pos(node);
  SURGEON_RETURN_IF_ERROR(
      ForEachKey(node, path, ConfigKeysIn("classes[]"),
                 [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
                   if (key == "tensors") {
                     if (v.IsScalar()) {
                       SURGEON_ASSIGN_OR_RETURN(std::string t, String(v, kp));
                       r.tensors.push_back(t);
                       r.tensor_pos.push_back(Pos(v));
                       return Status::OK();
                     }
                     if (!v.IsSequence() || v.size() == 0)
                       return Error(v, kp, "expected a list of target names, got " + Describe(v));
                     for (size_t i = 0; i < v.size(); ++i) {
                       SURGEON_ASSIGN_OR_RETURN(std::string t, String(v[i], kp + "[" + std::to_string(i) + "]"));
                       r.tensors.push_back(t);
                       r.tensor_pos.push_back(Pos(v[i]));
                     }
                   } else if (key == "axis") {
                     r.axis_pos = Pos(v);
                     SURGEON_ASSIGN_OR_RETURN(r.axis, SignedAxis(v, kp));
                   } else if (key == "source_labels") {
                     SURGEON_ASSIGN_OR_RETURN(r.source_labels, ParseLabelFile(v, kp));
                   } else if (key == "target_labels") {
                     SURGEON_ASSIGN_OR_RETURN(r.target_labels, ParseLabelFile(v, kp));
                   } else if (key == "source_offset") {
                     r.offset_pos = Pos(v);
                     SURGEON_ASSIGN_OR_RETURN(r.source_offset, Int(v, kp, "a non-negative integer"));
                   } else if (key == "target_offset") {
                     SURGEON_ASSIGN_OR_RETURN(r.target_offset, Int(v, kp, "a non-negative integer"));
                   } else if (key == "map") {
                     if (!v.IsMap())
                       return Error(v, kp, "expected a map of target label: source label, got " + Describe(v));
                     for (auto it = v.begin(); it != v.end(); ++it) {
                       const auto kv = *it;
                       SURGEON_ASSIGN_OR_RETURN(std::string to, String(kv.first, kp));
                       SURGEON_ASSIGN_OR_RETURN(std::string from, String(kv.second, kp + "." + to));
                       r.map.emplace_back(to, from);
                       r.map_pos.push_back(Pos(kv.first));
                     }
                   } else if (key == "initializer") {
                     r.initializer_pos = Pos(v);
                     SURGEON_ASSIGN_OR_RETURN(r.initializer, ParseInitializer(v, kp));
                   }
                   return Status::OK();
                 }));
  SURGEON_RETURN_IF_ERROR(RequireKeys(node, path, {"tensors", "source_labels", "target_labels"}));
  if (r.target_offset != 0 && r.target_offset != r.source_offset) {
    return Error(
        node, path + ".target_offset",
        "expected 0 (drop the offset rows) or source_offset (" + std::to_string(r.source_offset) + ", copy them)");
  }
  return r;
}

// `k`, `zero`, `initialize`, `{sum: [k, ...]}` or `{mean: [k, ...]}`.
Result<ChannelSpec> ConfigParser::ParseChannel(const YAML::Node& node, const std::string& path) const {
  ChannelSpec c;
  c.pos = Pos(node);
  const std::string kExpected = "expected a source channel index, zero, initialize, {sum: [...]} or {mean: [...]}";
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    if (s == "zero") {
      c.kind = ChannelSpec::Kind::kZero;
      return c;
    }
    if (s == "initialize") {
      c.kind = ChannelSpec::Kind::kInitialize;
      return c;
    }
    int64_t k = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), k);
    if (ec != std::errc() || end != s.data() + s.size() || k < 0)
      return Error(node, path, kExpected + ", got " + Describe(node));
    c.channels = {k};
    return c;
  }
  if (!node.IsMap() || node.size() != 1) return Error(node, path, kExpected + ", got " + Describe(node));
  SURGEON_RETURN_IF_ERROR(ForEachKey(node, path, {"sum", "mean"},
                                     [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
                                       c.kind = key == "sum" ? ChannelSpec::Kind::kSum : ChannelSpec::Kind::kMean;
                                       SURGEON_ASSIGN_OR_RETURN(c.channels, IntList(v, kp, "source channels"));
                                       return Status::OK();
                                     }));
  return c;
}

Result<ChannelMapRule> ConfigParser::ParseChannelMap(const YAML::Node& node, const std::string& path) const {
  ChannelMapRule r;
  r.key_path = path;
  r.pos = Pos(node);
  SURGEON_RETURN_IF_ERROR(
      ForEachKey(node, path, ConfigKeysIn("input_channels[]"),
                 [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
                   if (key == "name") {
                     SURGEON_ASSIGN_OR_RETURN(r.name, String(v, kp));
                   } else if (key == "axis") {
                     r.axis_pos = Pos(v);
                     SURGEON_ASSIGN_OR_RETURN(r.axis, SignedAxis(v, kp));
                   } else if (key == "channels") {
                     if (!v.IsSequence() || v.size() == 0)
                       return Error(v, kp, "expected a non-empty list of channels, got " + Describe(v));
                     for (size_t i = 0; i < v.size(); ++i) {
                       SURGEON_ASSIGN_OR_RETURN(ChannelSpec c, ParseChannel(v[i], kp + "[" + std::to_string(i) + "]"));
                       r.channels.push_back(std::move(c));
                     }
                   } else if (key == "initializer") {
                     r.initializer_pos = Pos(v);
                     SURGEON_ASSIGN_OR_RETURN(r.initializer, ParseInitializer(v, kp));
                   }
                   return Status::OK();
                 }));
  SURGEON_RETURN_IF_ERROR(RequireKeys(node, path, {"name", "channels"}));
  return r;
}

}  // namespace surgeon::config_internal
