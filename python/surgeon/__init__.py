"""surgeon: transfer-learning weight surgery on TensorFlow checkpoints.

The same C++ core as the `surgeon` command, in-process::

    import surgeon
    for t in surgeon.inspect("vgg_16.ckpt"):
        print(t.name, t.dtype, t.shape)
    weights = surgeon.load("vgg_16.ckpt", ["vgg_16/fc8/weights"])  # read-only numpy arrays
    plan = surgeon.plan("configs/vgg16_to_mycls.yaml")             # or a dict
    report = surgeon.run(plan_config, force=True)
    assert surgeon.verify("out/model.ckpt-0").ok

Every function raises surgeon.Error (RequestError: the request was wrong,
the CLI's exit 2; OperationError: the operation failed, exit 1) with the
CLI's message; nothing is left half-written. The GIL is released while
tensors are read, verified or written.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import sys

import numpy as np

from ._errors import Error, OperationError, RequestError


def _load_core() -> Any:
    """Imports the extension with RTLD_DEEPBIND: its references to protobuf
    (and yaml-cpp, snappy) bind to the libraries it was linked with, ahead of
    any same-named symbols already global in the process. TensorFlow's
    libraries export their own, newer protobuf (google::protobuf::*, same
    names): imported after TensorFlow without DEEPBIND, surgeon's generated
    descriptors would register in TF's pool, which aborts the process."""
    flags = sys.getdlopenflags() if hasattr(sys, "getdlopenflags") else None
    try:
        if flags is not None:
            sys.setdlopenflags(os.RTLD_NOW | os.RTLD_LOCAL | getattr(os, "RTLD_DEEPBIND", 0))
        from . import _core as core
    finally:
        if flags is not None:
            sys.setdlopenflags(flags)
    return core


_core = _load_core()

__all__ = [
    "Error", "RequestError", "OperationError", "TensorInfo", "Plan", "Report", "TensorCheck", "VerifyResult",
    "ConvertResult", "AverageResult", "ProgressCallback", "inspect", "load", "plan", "run", "verify", "convert",
    "average", "numpy_dtype",
]
__version__ = "0.1.0"

PathLike = Union[str, "os.PathLike[str]"]
Config = Union[PathLike, Mapping[str, Any]]
# progress(tensors_done, tensors_total, bytes_done, bytes_total), after each tensor.
ProgressCallback = Callable[[int, int, int, int], None]


def _ml_dtypes() -> Any:
    try:
        import ml_dtypes  # TensorFlow's own numpy types for bfloat16, float8, int4.
        return ml_dtypes
    except ImportError:  # pragma: no cover - depends on the environment
        return None


_NUMPY = {
    "DT_FLOAT": np.float32, "DT_DOUBLE": np.float64, "DT_HALF": np.float16,
    "DT_INT8": np.int8, "DT_INT16": np.int16, "DT_INT32": np.int32, "DT_INT64": np.int64,
    "DT_UINT8": np.uint8, "DT_UINT16": np.uint16, "DT_UINT32": np.uint32, "DT_UINT64": np.uint64,
    "DT_BOOL": np.bool_, "DT_COMPLEX64": np.complex64, "DT_COMPLEX128": np.complex128,
    # Quantized types hold plain integers (TF's numpy view of them).
    "DT_QINT8": np.int8, "DT_QUINT8": np.uint8, "DT_QINT16": np.int16, "DT_QUINT16": np.uint16,
    "DT_QINT32": np.int32,
}
_ML_DTYPES = {
    "DT_BFLOAT16": "bfloat16", "DT_FLOAT8_E5M2": "float8_e5m2", "DT_FLOAT8_E4M3FN": "float8_e4m3fn",
    "DT_FLOAT8_E4M3FNUZ": "float8_e4m3fnuz", "DT_FLOAT8_E4M3B11FNUZ": "float8_e4m3b11fnuz",
    "DT_FLOAT8_E5M2FNUZ": "float8_e5m2fnuz", "DT_INT4": "int4", "DT_UINT4": "uint4", "DT_INT2": "int2",
    "DT_UINT2": "uint2", "DT_FLOAT4_E2M1FN": "float4_e2m1fn",
}


def numpy_dtype(tf_dtype: str) -> Optional[np.dtype]:
    """The numpy dtype for a TF DataType name ("DT_FLOAT" -> float32), or None
    where numpy has none (DT_STRING, DT_RESOURCE, DT_VARIANT; bfloat16 and the
    float8/int4 types need the ml_dtypes package, which TensorFlow installs)."""
    if tf_dtype in _NUMPY:
        return np.dtype(_NUMPY[tf_dtype])
    mld = _ml_dtypes() if tf_dtype in _ML_DTYPES else None
    if mld is not None and hasattr(mld, _ML_DTYPES[tf_dtype]):
        return np.dtype(getattr(mld, _ML_DTYPES[tf_dtype]))
    return None


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of a checkpoint, as `surgeon inspect` lists it.

    dtype is the numpy dtype (None where numpy has none; see tf_dtype),
    size the bytes it takes in the data file, trainable the meta graph's
    flag (None without a meta graph or when the graph does not declare it)."""

    name: str
    dtype: Optional[np.dtype]
    shape: Tuple[int, ...]
    size: int
    trainable: Optional[bool]
    tf_dtype: str  # TF's name: "DT_FLOAT", "DT_STRING", ...


def inspect(path: PathLike) -> List[TensorInfo]:
    """Every tensor of the checkpoint at `path` (a V2 prefix or any of its
    files, a V1 file, a directory with a `checkpoint` state file, or a
    SavedModel), sorted by name. Reads only the index and the meta graph."""
    d = _core.inspect(os.fspath(path))
    return [TensorInfo(name, numpy_dtype(dt), tuple(shape), size, trainable, dt)
            for name, dt, shape, size, trainable in d["tensors"]]


def load(path: PathLike, names: Optional[Iterable[str]] = None, *,
         progress: Optional[ProgressCallback] = None) -> Dict[str, np.ndarray]:
    """The tensors `names` (all when None) of the checkpoint at `path`, as
    read-only numpy arrays, each checksum-verified before it is returned.

    Whole tensors of a V2 checkpoint share memory with the mapped data file
    (no copy; a page is read when the array touches it, so memory follows
    what the caller uses). V1 and partitioned tensors are assembled in memory.
    DT_STRING tensors become object arrays of bytes. A dtype numpy lacks
    (see numpy_dtype) raises OperationError. Unknown names raise
    OperationError (code NOT_FOUND); corrupt data raises OperationError
    (code DATA_LOSS) naming the file and tensor."""
    raw = _core.load(os.fspath(path), None if names is None else list(names), progress)
    out: Dict[str, np.ndarray] = {}
    for name, (dt, shape, value) in raw.items():
        if isinstance(value, list):  # DT_STRING
            a = np.empty(len(value), dtype=object)
            a[:] = value
            a = a.reshape(shape)
        else:
            npdt = numpy_dtype(dt)
            if npdt is None:
                raise OperationError(f"{os.fspath(path)}: tensor '{name}' has dtype {dt}, which has no numpy dtype"
                                     + (" (install ml_dtypes)" if dt in _ML_DTYPES else ""), "UNIMPLEMENTED")
            a = np.frombuffer(value, dtype=npdt).reshape(shape)
        a.flags.writeable = False
        out[name] = a
    return out


@dataclass
class Plan:
    """A validated plan: exactly what `surgeon plan --json` prints, as a dict
    (`data`). `actions` has one row per target variable, `dropped` one per
    dropped source tensor, with the same fields as the JSON."""

    data: Dict[str, Any]
    warnings: List[str] = field(default_factory=list)  # What `surgeon plan` prints as warnings.

    @property
    def actions(self) -> List[Dict[str, Any]]:
        return self.data["actions"]

    @property
    def dropped(self) -> List[Dict[str, Any]]:
        return self.data["dropped"]

    def to_json(self) -> str:
        return json.dumps(self.data, indent=1)


@dataclass
class Report:
    """What `surgeon run --report FILE` writes, as a dict (`data`), plus the
    warnings `surgeon run` prints."""

    data: Dict[str, Any]
    run_warnings: List[str] = field(default_factory=list)  # Found while writing (graph rewrite).

    @property
    def files(self) -> List[str]:
        return self.data["files"]

    @property
    def warnings(self) -> List[str]:
        return list(self.data["warnings"]) + list(self.run_warnings)

    @property
    def variables(self) -> List[Dict[str, Any]]:
        return self.data["variables"]


def _config_args(config: Config) -> Tuple[str, bool, str]:
    """(path or YAML text, is_text, base_dir). A dict is given to the same
    YAML parser as JSON text (JSON is YAML), one key per line so that errors
    point at a line; its relative paths are relative to the working directory."""
    if isinstance(config, Mapping):
        return json.dumps(config, indent=2), True, os.getcwd()
    return os.fspath(config), False, ""


def plan(config: Config) -> Plan:
    """The dry run: load the config (a YAML path, or a dict in the YAML's
    structure), open the source and build the plan. Reads only metadata,
    writes nothing. Raises RequestError for a bad config, naming its line."""
    text, warnings = _core.plan_json(*_config_args(config))
    return Plan(json.loads(text), list(warnings))


def run(config: Config, force: bool = False, report: Optional[PathLike] = None, *, link: bool = False,
        verify: bool = True, progress: Optional[ProgressCallback] = None) -> Report:
    """`surgeon run`: plan, then write the new checkpoint, meta graph,
    frozen list and `checkpoint` state file (staged, renamed into place at
    the end). `force` replaces an existing target; `report` also writes the
    JSON report to that file. `link` is `surgeon run --link` (share the
    source's data shards; report.data["run"]["link"] says how, or why not)
    and `verify=False` its `--no-verify`."""
    if not verify and not link:
        raise RequestError("verify=False applies only with link=True (as --no-verify needs --link)")
    text, warnings = _core.run(*_config_args(config), force, "" if report is None else os.fspath(report), link,
                               verify, progress)
    return Report(json.loads(text), list(warnings))


@dataclass(frozen=True)
class TensorCheck:
    name: str
    ok: bool
    problem: str  # The reader's message when not ok, else "".


@dataclass
class VerifyResult:
    """`surgeon verify`: every tensor's checksum and the meta graph's checks.
    Problems are findings, not exceptions: check `ok`."""

    path: str
    meta_graph: str  # "" when the checkpoint has none.
    tensors: List[TensorCheck]
    bytes: int  # Bytes of the tensors that verified.
    graph_checked: bool
    graph_problems: List[str]
    warnings: List[str]

    @property
    def bad_tensors(self) -> List[TensorCheck]:
        return [t for t in self.tensors if not t.ok]

    @property
    def ok(self) -> bool:
        return not self.bad_tensors and not self.graph_problems


def verify(path: PathLike, *, progress: Optional[ProgressCallback] = None) -> VerifyResult:
    """Reads every tensor of the checkpoint at `path` checking every checksum,
    and checks its meta graph. Raises only when the checkpoint cannot be
    opened; corrupt tensors are listed in the result."""
    d = _core.verify(os.fspath(path), progress)
    return VerifyResult(d["path"], d["meta_graph"], [TensorCheck(*t) for t in d["tensors"]], d["bytes"],
                        d["graph_checked"], list(d["graph_problems"]), list(d["warnings"]))


@dataclass
class ConvertResult:
    target_prefix: str
    tensors: int
    bytes: int
    files: List[str]
    warnings: List[str]


def convert(src: PathLike, dst: PathLike, force: bool = False, *, format: str = "",
            max_shard_bytes: Union[int, str] = 0,
            progress: Optional[ProgressCallback] = None) -> ConvertResult:
    """`surgeon convert`: any readable checkpoint or weight file at `src` ->
    a fresh V2 checkpoint at prefix `dst` (byte-identical for a single-shard
    V2 source), or one safetensors / npz / keras_h5 file. `format` as in
    `surgeon convert --format`; "" picks it from dst's extension.
    `max_shard_bytes` (bytes, or a size such as "2GiB") spreads a V2
    checkpoint's data over files of at most that size; 0: one data file."""
    d = _core.convert(os.fspath(src), os.fspath(dst), force, format, str(max_shard_bytes), progress)
    return ConvertResult(d["target_prefix"], d["tensors"], d["bytes"], list(d["files"]), list(d["warnings"]))


@dataclass
class AverageResult:
    target_prefix: str
    averaged: int
    equal: int
    from_first: List[str]
    excluded: List[str]
    bytes: int
    files: List[str]
    warnings: List[str]


def average(sources: Sequence[PathLike], dst: PathLike, weights: Sequence[float] = (), *,
            exclude: Sequence[str] = (), non_float: str = "equal", force: bool = False, format: str = "",
            progress: Optional[ProgressCallback] = None) -> AverageResult:
    """`surgeon average`: the element-wise weighted mean of checkpoints of
    one model (float64 sums rounded once per dtype); integer/bool/string
    tensors must be equal unless non_float="first"."""
    if non_float not in ("equal", "first"):
        raise RequestError(f"non_float {non_float!r}: expected 'equal' or 'first'")
    d = _core.average([os.fspath(s) for s in sources], os.fspath(dst), [float(w) for w in weights], list(exclude),
                      non_float == "first", force, format, progress)
    return AverageResult(d["target_prefix"], d["averaged"], d["equal"], list(d["from_first"]), list(d["excluded"]),
                         d["bytes"], list(d["files"]), list(d["warnings"]))
