"""Examples written once per library, shown and executed from one source string.

An :class:`Example` holds, for each library, a small code template in the style
of a notebook cell. Parameters (slider values) are written into the template as
Python literals with ``string.Template`` (``$n``), giving the exact source that is
both displayed on the page and executed: the code shown is the code that ran.
Like a notebook cell, the value of the last expression is the cell's output.

A template that uses ``$device`` runs on a device the caller picks: the backend writes it the
way that library's code names it (``'mps'`` for Torch, ``mx.gpu`` for MLX, see
``Backend.device_expr``), and the result records where it ran.

:class:`CellResult` is what every Learn topic reports for one library, whatever it ran: an
example's cell, or a timed demo (Lazy, Devices, Compilation), which subclasses it with its timings.
``ui.panel.result_column`` draws one the same way on every page.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import io
import math
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import CodeType
from typing import Any

from .backends import Backend, Output


@dataclass(frozen=True)
class Example:
    key: str
    title: str
    code: Mapping[str, str]  # backend name -> template; a backend left out has no version of this
    note: str = ""  # a sentence shown with the example

    @property
    def uses_device(self) -> bool:
        """Whether some library's code takes ``$device`` (the caller picks where it runs)."""
        return any(self.takes_device(name) for name in self.code)

    def takes_device(self, backend_name: str) -> bool:
        template = self.code.get(backend_name, "")
        return "$device" in template or "${device}" in template

    def source(self, backend: Backend, params: Mapping[str, Any] | None = None, device: str = "cpu") -> str:
        """The complete source for one library: its import line and the filled-in template, with
        ``$device`` written as that library's code names ``device``."""
        template = self.code[backend.name]
        values = {k: literal(v) for k, v in (params or {}).items()}
        values["device"] = backend.device_expr(device)
        body = string.Template(template).substitute(values)
        return f"{backend.import_line}\n\n{body.strip()}\n"


def literal(value: Any) -> str:
    """``value`` as Python source that evaluates back to it. Like ``repr``, except that infinities
    and NaN (whose repr, ``inf``/``nan``, is not valid Python) become ``float('inf')`` etc."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({repr(value)!r})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


class Status(StrEnum):
    """How one library's cell ended. A StrEnum: it equals its word (``Status.OK == "ok"``)."""

    OK = "ok"
    ERROR = "error"  # the code raised: ``error`` holds the library's own words
    MISSING = "missing"  # the library is not installed here
    ABSENT = "absent"  # the library has no version of this example
    SKIPPED = "skipped"  # a demo not run (not asked for yet)
    CANNOT = "cannot"  # a demo that cannot run on this device (``error`` says why)


@dataclass
class CellResult:
    """One library's cell: its code, where it ran, how it ended, what it printed and returned. A
    timed demo subclasses it and adds its timings."""

    backend: str
    label: str
    status: Status = Status.OK
    source: str = ""
    device: str = ""  # where it ran: the device asked for, or where this library runs unasked
    device_kind: str = ""  # "cpu" or "gpu", where known
    outputs: list[Output] = field(default_factory=list)
    stdout: str = ""
    error: str = ""  # "ValueError: [reshape] Cannot reshape ..." exactly as the library said it
    value: Any = None  # the raw last value, for comparisons in tests and pages
    namespace: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.status = Status(self.status)  # a word that is not a status is a ValueError here

    @property
    def ok(self) -> bool:
        return self.status == Status.OK

    def place(self, backend: Backend, device: str | None) -> str | None:
        """Where this library's demo runs, ``device`` or the library's default, recorded; None, with
        status missing and the reason, when the library is not installed here."""
        if not backend.available:
            self.status, self.error = Status.MISSING, backend.error or "not installed"
            return None
        device = device or backend.default_device
        dev = backend.device(device)
        self.device, self.device_kind = dev.name, dev.kind
        return device


def short_error(text: str, limit: int = 600) -> str:
    """A library's error, blank lines dropped and cut to ``limit`` characters (a compiler's can run to pages)."""
    text = re.sub(r"\n\s*\n", "\n", text.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def execute(source: str) -> tuple[Any, str, dict[str, Any]]:
    """Run a cell: every statement, then the last expression's value. Returns (value, stdout, namespace)."""
    # torch.compile keeps its guards, its recompile count and the name of its compiled code on the code
    # object it compiled, so a cell that uses it gets new code objects each run: a rerun reusing them
    # raised NameError ('__compiled_fn_…' lives in the last run's namespace) or counted no compilation.
    statements, last = compiled.__wrapped__(source) if "torch.compile" in source else compiled(source)
    namespace: dict[str, Any] = {"__name__": "__cell__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(statements, namespace)
        value = eval(last, namespace) if last is not None else None
    return value, out.getvalue(), namespace


@functools.lru_cache(maxsize=512)
def compiled(source: str) -> tuple[CodeType, CodeType | None]:
    """A cell's statements and its last expression (None when it ends with a statement), compiled
    once per source: a page compiles the same cells on every rerun, and code objects are immutable
    (each run still executes in a fresh namespace). A syntax error is raised, never cached."""
    tree = ast.parse(source, mode="exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    return compile(tree, "<cell>", "exec"), (compile(last, "<cell>", "eval") if last is not None else None)


def describe_value(backend: Backend, value: Any) -> list[Output]:
    """One Output per displayed value; a tuple (``a, b``) gives one per item, as a notebook shows it."""
    if value is None:
        return []
    items = value if type(value) is tuple else (value,)
    return [backend.describe(v) for v in items]


def run(example: Example, backend: Backend, params: Mapping[str, Any] | None = None,
        device: str | None = None) -> CellResult:
    """Run one library's version of an example (on ``device``, for a template that takes
    ``$device``); never raises."""
    base = dict(backend=backend.name, label=backend.label)
    if backend.name not in example.code:
        return CellResult(status=Status.ABSENT, error=f"{backend.label} has no equivalent for this example.", **base)
    if not backend.available:
        return CellResult(status=Status.MISSING, source=example.source(backend, params, device or "cpu"),
                          error=backend.error or "not installed", **base)
    if device is None or not example.takes_device(backend.name):
        device = backend.implicit_device()  # where code that names no device runs
    source = example.source(backend, params, device)
    base["device"] = device
    try:
        with backend.turn(device):  # a GPU, or MLX's process-wide default device: one thread at a time
            value, stdout, namespace = execute(source)
            outputs = describe_value(backend, value)
    except Exception as exc:  # the library's own error is the lesson; never a page traceback
        return CellResult(status=Status.ERROR, source=source, error=format_error(exc), **base)
    return CellResult(status=Status.OK, source=source, outputs=outputs, stdout=stdout, value=value,
                      namespace=namespace, **base)


def run_all(example: Example, backends: Mapping[str, Backend], params: Mapping[str, Any] | None = None,
            devices: Mapping[str, str] | None = None) -> dict[str, CellResult]:
    """Every library's version; ``devices`` maps a library to the device its version runs on."""
    return {name: run(example, b, params, (devices or {}).get(name)) for name, b in backends.items()}


def gpu_devices(backends: Mapping[str, Backend]) -> dict[str, str]:
    """For an example that moves data to a GPU: each available library's first available GPU
    device (Torch ``mps`` or ``cuda``, MLX ``gpu``), or, without one, its CPU."""
    return {name: device for name, b in backends.items() if (device := gpu_device(b)) is not None}


def gpu_device(backend: Backend) -> str | None:
    """One library's part of :func:`gpu_devices`: its first available GPU, else ``"cpu"``; None when
    the library is missing."""
    if not backend.available:
        return None
    gpus = [d.name for d in backend.available_devices if d.kind == "gpu"]
    return gpus[0] if gpus else "cpu"


def format_error(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_as_literal = literal  # render's ``literal`` argument shadows the function


def render(template: str, raw: Mapping[str, str] | None = None, literal: Mapping[str, Any] | None = None) -> str:
    """Fill a template: ``raw`` values are identifiers written as-is (``np.$dtype`` -> ``np.float32``),
    ``literal`` values are written as Python literals with ``repr``. Anything else is refused."""
    values: dict[str, str] = {}
    for key, value in (raw or {}).items():
        if not _IDENTIFIER.match(str(value)):
            raise ValueError(f"{value!r} is not a plain name")
        values[key] = str(value)
    values.update({k: _as_literal(v) for k, v in (literal or {}).items()})
    return string.Template(template).substitute(values)
