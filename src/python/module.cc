// surgeon._core: the Python binding over the C++ library. It converts types
// and nothing else: every check, message and file written comes from the
// same library functions the CLI calls (exec/inspect, exec/surgery,
// exec/verify, exec/convert, plan/plan_format). Python-facing classes,
// docstrings and numpy dtypes live in python/surgeon/__init__.py.
//
// Errors: a non-OK Status becomes surgeon.Error's subclass for its class
// (IsBadRequest: RequestError, else OperationError), built by
// surgeon._errors.from_status from the code and the message.
//
// The GIL is released while the library reads, verifies or writes; a
// progress callback re-acquires it. Tensor bytes are handed to Python as a
// read-only buffer that keeps the checkpoint's mapping alive (see Buffer).
#include <google/protobuf/stubs/logging.h>
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "surgeon/base/byte_size.h"
#include "surgeon/exec/average.h"
#include "surgeon/exec/convert.h"
#include "surgeon/exec/inspect.h"
#include "surgeon/exec/surgery.h"
#include "surgeon/exec/verify.h"
#include "surgeon/format/dtype.h"
#include "surgeon/format/string_tensor.h"
#include "surgeon/plan/config.h"
#include "surgeon/plan/plan_format.h"

namespace py = pybind11;

namespace surgeon::python {
namespace {

// A Status on its way to Python (see the translator in PYBIND11_MODULE).
struct StatusError : std::exception {
  explicit StatusError(Status s) : status(std::move(s)) {}
  const char* what() const noexcept override { return status.message().c_str(); }
  Status status;
};

template <typename T>
T Unwrap(Result<T> r) {
  if (!r.ok()) throw StatusError(r.status());
  return std::move(r).value();
}

// A Python progress callback called from library code running without the
// GIL. An exception from the callback stops the operation: it is kept, the
// library call unwinds (its staged output removes every temporary), and
// the exception is raised again once the GIL is held (Rethrow).
class ProgressBridge {
 public:
  explicit ProgressBridge(std::optional<py::function> fn) : fn_(std::move(fn)) {}
  ProgressFn fn() {
    if (!fn_) return nullptr;
    return [this](const Progress& p) {
      py::gil_scoped_acquire gil;
      try {
        (*fn_)(p.tensors_done, p.tensors_total, p.bytes_done, p.bytes_total);
      } catch (py::error_already_set& e) {
        error_ = std::make_unique<py::error_already_set>(std::move(e));
        throw Aborted();
      }
    };
  }
  // Calls f() without the GIL; re-raises a callback's exception.
  template <typename F>
  auto Run(F&& f) {
    try {
      py::gil_scoped_release release;
      return f();
    } catch (const Aborted&) {
      py::error_already_set e = std::move(*error_);
      error_.reset();
      throw e;
    }
  }

 private:
  struct Aborted : std::exception {};
  std::optional<py::function> fn_;
  std::unique_ptr<py::error_already_set> error_;
};

// A tensor's bytes as a read-only Python buffer. Whole tensors of a V2
// bundle are views into the shard's read-only mapping; `owner` keeps the
// reader (and so the mapping) alive as long as any array over it exists.
struct Buffer {
  std::shared_ptr<const CheckpointReader> owner;
  TensorData data;
};

// TF's DataType name for the Python side to map onto a numpy dtype.
std::string DtypeName(DataType dt) { return DataTypeName(dt); }

py::dict Inspect(const std::string& path) {
  Inspection in = [&] {
    py::gil_scoped_release release;
    return Unwrap(InspectCheckpoint(path));
  }();
  py::list tensors;
  for (const TensorEntry& e : in.reader->entries()) {
    std::optional<bool> trainable = in.Trainable(e.key);
    tensors.append(py::make_tuple(py::bytes(e.key).attr("decode")("utf-8", "surrogateescape"), DtypeName(e.dtype),
                                  py::tuple(py::cast(e.shape)), e.size, trainable));
  }
  py::dict out;
  out["format"] = std::string(CheckpointFormatName(in.reader->format()));
  out["path"] = in.location.prefix;
  out["meta_graph"] = in.location.meta_graph;
  out["tensors"] = tensors;
  out["warnings"] = in.warnings;
  return out;
}

// Reads `names` (all when None), each checksum-verified before it is handed
// out. Returns {name: (dtype name, shape, Buffer or list[bytes])}.
py::dict Load(const std::string& path, std::optional<std::vector<std::string>> names,
              std::optional<py::function> progress) {
  ProgressBridge bridge(std::move(progress));
  auto pfn = bridge.fn();
  struct Item {
    const TensorEntry* entry;
    TensorData data;
  };
  std::shared_ptr<const CheckpointReader> reader;
  std::vector<Item> items;
  bridge.Run([&] {
    reader = Unwrap(OpenCheckpoint(path));
    std::vector<const TensorEntry*> wanted;
    if (names) {
      std::set<std::string> seen;
      for (const auto& n : *names) {
        const TensorEntry* e = reader->Find(n);
        if (e == nullptr) {
          throw StatusError(Status::NotFound(reader->path() + ": no tensor '" + n + "' in the checkpoint"));
        }
        if (seen.insert(n).second) wanted.push_back(e);
      }
    } else {
      for (const auto& e : reader->entries()) wanted.push_back(&e);
    }
    Progress p;
    p.tensors_total = wanted.size();
    for (const auto* e : wanted) p.bytes_total += e->size;
    std::stable_sort(wanted.begin(), wanted.end(),
                     [](const TensorEntry* a, const TensorEntry* b) { return ReadsBefore(*a, *b); });
    for (const auto* e : wanted) {
      items.push_back({e, Unwrap(reader->Read(*e))});
      p.tensors_done++;
      p.bytes_done += e->size;
      if (pfn) pfn(p);
    }
    return 0;
  });
  py::dict out;
  for (auto& item : items) {
    const TensorEntry& e = *item.entry;
    py::object value;
    if (e.dtype == DataType::kString) {
      uint32_t crc;
      auto strings = Unwrap(DecodeStringTensor(item.data.bytes(), NumElements(e.shape).value(), &crc));
      py::list l;
      for (auto s : strings) l.append(py::bytes(s.data(), s.size()));
      value = l;
    } else {
      value = py::cast(Buffer{reader, std::move(item.data)});
    }
    out[py::bytes(e.key).attr("decode")("utf-8", "surrogateescape")] =
        py::make_tuple(DtypeName(e.dtype), py::tuple(py::cast(e.shape)), value);
  }
  return out;
}

Result<PlanConfig> ConfigFrom(const std::string& config, bool is_text, const std::string& base_dir) {
  if (is_text) return ParseConfig(config, "<dict config>", base_dir);
  return LoadConfig(config);
}

// (plan JSON text, warnings): the exact JSON `surgeon plan --json` prints.
py::tuple PlanJson(const std::string& config, bool is_text, const std::string& base_dir) {
  std::string json;
  std::vector<std::string> warnings;
  {
    py::gil_scoped_release release;
    Surgery s = Unwrap(PrepareSurgery(Unwrap(ConfigFrom(config, is_text, base_dir))));
    json = PlanToJson(s.plan).dump(1, ' ', false, nlohmann::json::error_handler_t::replace);
    warnings = s.warnings;
  }
  return py::make_tuple(json, warnings);
}

// (the JSON report `surgeon run --report` writes (also written there when
// report_path is set), the run's own warnings: graph rewrite findings).
py::tuple Run(const std::string& config, bool is_text, const std::string& base_dir, bool force,
              const std::string& report_path, bool link, bool verify, std::optional<py::function> progress) {
  ProgressBridge bridge(std::move(progress));
  std::pair<std::string, std::vector<std::string>> out = bridge.Run([&] {
    Surgery s = Unwrap(PrepareSurgery(Unwrap(ConfigFrom(config, is_text, base_dir))));
    RunOptions options;
    options.output.force = force;
    options.link = link;
    options.verify = verify;
    options.report_path = report_path;
    options.progress = bridge.fn();
    RunReport r = Unwrap(ExecuteSurgery(s, options));
    return std::make_pair(RunReportJson(s, r), r.warnings);
  });
  return py::make_tuple(out.first, out.second);
}

py::dict Verify(const std::string& path, std::optional<py::function> progress) {
  ProgressBridge bridge(std::move(progress));
  auto pfn = bridge.fn();
  VerifyResult v = bridge.Run([&] { return Unwrap(VerifyCheckpoint(path, pfn)); });
  py::list tensors;
  for (const auto& t : v.tensors) {
    tensors.append(py::make_tuple(py::bytes(t.key).attr("decode")("utf-8", "surrogateescape"), t.ok, t.problem));
  }
  py::dict out;
  out["path"] = v.location.prefix;
  out["meta_graph"] = v.location.meta_graph;
  out["tensors"] = tensors;
  out["bytes"] = v.bytes;
  out["graph_checked"] = v.graph_checked;
  out["graph_problems"] = v.graph_problems;
  out["warnings"] = v.location.note.empty() ? std::vector<std::string>{} : std::vector<std::string>{v.location.note};
  return out;
}

// The output format named `format`, or the one dst's extension names when "".
OutputFormat FormatFor(const std::string& format, const std::string& dst) {
  if (format.empty()) return OutputFormatForPath(dst);
  auto f = ParseOutputFormat(format);
  if (!f)
    throw StatusError(Status::InvalidArgument("format '" + format + "': expected one of " + OutputFormatChoices()));
  return *f;
}

// What convert and average both return: where and what they wrote.
py::dict WrittenDict(const std::string& target_prefix, uint64_t bytes, const std::vector<std::string>& files,
                     const std::vector<std::string>& warnings) {
  py::dict out;
  out["target_prefix"] = target_prefix;
  out["bytes"] = bytes;
  out["files"] = files;
  out["warnings"] = warnings;
  return out;
}

py::dict Convert(const std::string& src, const std::string& dst, bool force, const std::string& format,
                 const std::string& max_shard_bytes, std::optional<py::function> progress) {
  const OutputFormat output_format = FormatFor(format, dst);
  uint64_t max_bytes = 0;
  if (!max_shard_bytes.empty() && max_shard_bytes != "0") {
    const std::optional<uint64_t> size = ParseByteSize(max_shard_bytes);
    if (!size) {
      throw py::value_error("max_shard_bytes '" + max_shard_bytes + "': expected 0 (one data file) or " +
                            ByteSizeExpectation());
    }
    max_bytes = *size;
  }
  ProgressBridge bridge(std::move(progress));
  auto pfn = bridge.fn();
  ConvertResult r = bridge.Run([&] {
    OutputOptions options;
    options.force = force;
    return Unwrap(ConvertCheckpoint(src, dst, output_format, max_bytes, options, pfn));
  });
  py::dict out = WrittenDict(r.target_prefix, r.bytes, r.files, r.warnings);
  out["tensors"] = r.tensors;
  return out;
}

py::dict Average(const std::vector<std::string>& sources, const std::string& dst, const std::vector<double>& weights,
                 const std::vector<std::string>& exclude, bool non_float_from_first, bool force,
                 const std::string& format, std::optional<py::function> progress) {
  AverageOptions options;
  options.weights = weights;
  for (const std::string& text : exclude) options.exclude.push_back(Unwrap(Pattern::Parse(text)));
  options.non_float_from_first = non_float_from_first;
  options.output.force = force;
  options.format = FormatFor(format, dst);
  ProgressBridge bridge(std::move(progress));
  auto pfn = bridge.fn();
  AverageResult r = bridge.Run([&] { return Unwrap(AverageCheckpoints(sources, dst, options, pfn)); });
  py::dict out = WrittenDict(r.target_prefix, r.bytes, r.files, r.warnings);
  out["averaged"] = r.averaged;
  out["equal"] = r.equal;
  out["from_first"] = r.from_first;
  out["excluded"] = r.excluded;
  return out;
}

}  // namespace
}  // namespace surgeon::python

PYBIND11_MODULE(_core, m) {
  using namespace surgeon::python;
  // As in the CLI: protobuf's own parse logging would only repeat (without
  // the file name) what the returned error says.
  google::protobuf::SetLogHandler(nullptr);
  m.doc() = "surgeon's C++ core; use the `surgeon` package, not this module.";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      py::object make = py::module_::import("surgeon._errors").attr("from_status");
      py::object err = make(std::string(surgeon::StatusCodeName(e.status.code())),
                            surgeon::IsBadRequest(e.status.code()), e.status.message());
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(err.ptr())), err.ptr());
    } catch (const std::bad_alloc&) {
      PyErr_SetString(PyExc_MemoryError, "out of memory (a tensor is too large for this machine); nothing was written");
    }
  });

  py::class_<Buffer>(m, "Buffer", py::buffer_protocol(), "Read-only bytes of one verified tensor.")
      .def_buffer([](Buffer& b) {
        auto bytes = b.data.bytes();
        return py::buffer_info(const_cast<uint8_t*>(bytes.data()), 1, "B", 1, {static_cast<py::ssize_t>(bytes.size())},
                               {1}, /*readonly=*/true);
      })
      .def("__len__", [](const Buffer& b) { return b.data.bytes().size(); });

  m.def("inspect", &Inspect, py::arg("path"));
  m.def("load", &Load, py::arg("path"), py::arg("names"), py::arg("progress"));
  m.def("plan_json", &PlanJson, py::arg("config"), py::arg("is_text"), py::arg("base_dir"));
  m.def("run", &Run, py::arg("config"), py::arg("is_text"), py::arg("base_dir"), py::arg("force"),
        py::arg("report_path"), py::arg("link"), py::arg("verify"), py::arg("progress"));
  m.def("verify", &Verify, py::arg("path"), py::arg("progress"));
  m.def("convert", &Convert, py::arg("src"), py::arg("dst"), py::arg("force"), py::arg("format"),
        py::arg("max_shard_bytes"), py::arg("progress"));
  m.def("average", &Average, py::arg("sources"), py::arg("dst"), py::arg("weights"), py::arg("exclude"),
        py::arg("non_float_from_first"), py::arg("force"), py::arg("format"), py::arg("progress"));
}
