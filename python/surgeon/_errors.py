"""surgeon's exceptions: one hierarchy over the C++ library's Status codes.

The two classes are the CLI's exit-code classes:

- RequestError (exit 2): the request was wrong -- a bad config, a refused or
  existing target, a busy target directory (INVALID_ARGUMENT, ALREADY_EXISTS,
  FAILED_PRECONDITION).
- OperationError (exit 1): the operation failed -- corrupt data, I/O, a
  missing file or tensor, an unsupported dtype (every other code).

The message is the CLI's message, word for word. `file`, `line`, `column`
and `tensor` are read from it, because surgeon's messages name them in fixed
forms ("<config>:<line>:<col>: ...", "<file>: tensor '<key>': ...").
"""

from __future__ import annotations

import re
from typing import Optional

__all__ = ["Error", "RequestError", "OperationError", "from_status"]

_CONFIG_POS = re.compile(r"^(?P<file>[^\n:]+):(?P<line>\d+):(?P<col>\d+): ")
_FILE = re.compile(r"^(?P<file>[^\n:]+?): ")
_TENSOR = re.compile(r"tensor '(?P<tensor>[^']*)'")


class Error(Exception):
    """Any error surgeon reports. Nothing was written when it is raised.

    Attributes:
        message: the message the CLI prints after "surgeon: error: ".
        code: the library's status code name, e.g. "DATA_LOSS", "INVALID_ARGUMENT".
        exit_code: what the CLI would exit with (2 bad request, 1 failed operation).
        file: the file the message names first, or None.
        line, column: the config position for config errors, else None.
        tensor: the tensor key the message names, or None.
    """

    exit_code = 1

    def __init__(self, message: str, code: str = "INTERNAL") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.file: Optional[str] = None
        self.line: Optional[int] = None
        self.column: Optional[int] = None
        self.tensor: Optional[str] = None
        m = _CONFIG_POS.match(message)
        if m:
            self.file, self.line, self.column = m["file"], int(m["line"]), int(m["col"])
        else:
            m = _FILE.match(message)
            if m and ("/" in m["file"] or "." in m["file"]):
                self.file = m["file"]
        m = _TENSOR.search(message)
        if m:
            self.tensor = m["tensor"]


class RequestError(Error):
    """The request was wrong (the CLI exits 2): config, arguments, target."""

    exit_code = 2


class OperationError(Error):
    """The operation failed (the CLI exits 1): corrupt data, I/O, missing input."""

    exit_code = 1


def from_status(code: str, bad_request: bool, message: str) -> Error:
    """Called by surgeon._core for every non-OK Status."""
    return (RequestError if bad_request else OperationError)(message, code)
