"""What every command line (``python -m kernels.bench``, ``kernels.models``, ``kernels.doctor``)
shares: a bad flag as one line and exit status 2, comma-separated lists, progress lines on stderr,
and writing the result file to a file or stdout. :func:`kind_main` is the whole command line of a
kind of measurement (``kernels.measure.kinds``): its flags, then the scaffold's plan, run, result
file and summary, the same for every kind."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .kinds import MeasureKind

DEVICE_NAMES = ["cpu", "gpu", "mps", "cuda"]  # offered when no library here knows any device


class UsageError(Exception):
    """A bad flag or value: :func:`run_main` prints it as one line and returns 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise UsageError(f"{message} (see --help)")


def run_main(prog: str, body: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None) -> int:
    """``body(argv)``'s exit status, or 2 after ``<prog>: error: <what is wrong>`` on stderr."""
    try:
        return body(argv)
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2


def comma_list(text: str, valid: Sequence[str], what: str, *, nothing: str = "no {what} given") -> list[str]:
    """The comma-separated names in ``text``, each one of ``valid``; otherwise a :class:`UsageError`
    naming the valid ones (``nothing`` starts the message when no name is given)."""
    items = [x.strip() for x in text.split(",") if x.strip()]
    unknown = [x for x in items if x not in valid]
    if unknown or not items:
        wrong = f"unknown {what} {', '.join(repr(x) for x in unknown)}" if unknown else nothing.format(what=what)
        raise UsageError(f"{wrong}; valid {what}s: {', '.join(valid)}")
    return items


def whole_numbers(text: str) -> list[int]:
    """The comma-separated whole numbers in ``text``; ``[]`` when there are none or one is not."""
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        return []


def device_list(text: str, backends: Mapping, keywords: Sequence[str] = ("auto",), *,
                nothing: str = "no {what} given") -> str | list[str]:
    """``--devices``: one of ``keywords`` as it is, or the names it lists, each a device some library
    knows (:func:`comma_list`)."""
    devices = text.strip()
    if devices in keywords:
        return devices
    known = sorted({d.name for b in backends.values() for d in b.devices}) or DEVICE_NAMES
    return comma_list(devices, known, "device", nothing=nothing)


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """Where progress lines go: stderr, flushed line by line, or nowhere with ``--quiet``."""
    return (lambda line: None) if quiet else (lambda line: print(line, file=sys.stderr, flush=True))


def collect(steps: Iterable, total: int, backends: Mapping, say: Callable[[str], None],
            what: str) -> tuple[list[dict], int]:
    """Say each library's summary, then one line per step of a runner's ``run``, keeping the rows.
    Ctrl-C stops early and keeps the rows so far: ``(rows, 130)``; otherwise ``(rows, 0)``."""
    for b in backends.values():
        say(b.summary())
    rows, code = [], 0
    try:
        for step in steps:
            rows.append(step.row)
            say(step.line)
    except KeyboardInterrupt:
        say(f"stopped after {len(rows)} of {total} {what}; writing those")
        code = 130
    return rows, code


def write_out(data: bytes, out: str) -> None:
    """The result file to the path ``out``, or to stdout for ``-``."""
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        with open(out, "wb") as fh:
            fh.write(data)


def status_counts(rows: Sequence[Mapping], statuses: Iterable[str]) -> str:
    """``3 ok, 1 unsupported``: how many rows have each status, leaving out the statuses none has."""
    counts = {s: sum(r["status"] == s for r in rows) for s in statuses}
    return ", ".join(f"{v} {k}" for k, v in counts.items() if v)


# --- a kind's whole command line ------------------------------------------------------------------

def prog_of(kind: MeasureKind) -> str:
    """``python -m kernels.models``: the package that declares the kind."""
    return f"python -m {type(kind).__module__.rpartition('.')[0]}"


def kind_parser(kind: MeasureKind) -> argparse.ArgumentParser:
    """The kind's own flags (:meth:`~.kinds.MeasureKind.add_arguments`), then those every kind has."""
    p = Parser(prog=prog_of(kind), formatter_class=argparse.RawDescriptionHelpFormatter)
    kind.add_arguments(p)
    names = ",".join(kind.libraries)
    p.add_argument("--backends", default=names,
                   help=f"libraries, comma-separated (default: {names}); a missing one gives a row saying how to "
                        "install it")
    p.add_argument("--devices", default="auto",
                   help="'auto' (every available device: default)"
                        + (", 'all' (also unavailable ones, with the reason)," if "all" in kind.device_words else "")
                        + " or names, comma-separated: cpu, gpu (MLX), mps, cuda (Torch)")
    p.add_argument("--out", default=kind.file_name,
                   help=f"where to write the result file (default: {kind.file_name}); '-' for stdout")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def kind_main(kind: MeasureKind, argv: Sequence[str] | None = None) -> int:
    """``python -m kernels.<kind>``: parse, plan, measure with progress on stderr, write the result
    file (the same the kind's page downloads, settings included), print the summary. Exit 0, 2 for
    a bad flag, 130 after Ctrl-C (the rows so far are written)."""
    return run_main(prog_of(kind), lambda args: _kind_main(kind, args), argv)


def _kind_main(kind: MeasureKind, argv: Sequence[str] | None) -> int:
    return kind.main(kind_parser(kind).parse_args(argv))


def backends_asked(kind: MeasureKind, args: argparse.Namespace) -> tuple[Mapping, str | tuple[str, ...]]:
    """The libraries ``--backends`` names (discovered: a missing one is there, unavailable) and the
    devices ``--devices`` asks for."""
    from ..backends import discover

    backends = discover(comma_list(args.backends, kind.libraries, "backend"))
    devices = device_list(args.devices, backends, kind.device_words)
    return backends, devices if isinstance(devices, str) else tuple(devices)


def measure_and_write(kind: MeasureKind, args: argparse.Namespace) -> int:
    """The standard command line: plan, measure with a line per row, write the result file (settings
    included), print the kind's summary."""
    from ..machine import machine_info
    from .results import new_result_file
    from .rows import STATUSES

    backends, devices = backends_asked(kind, args)
    settings = kind.settings_from(args, tuple(backends), devices)
    try:
        tasks = kind.plan(settings, backends)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    say = progress_printer(args.quiet)
    if line := kind.preamble(settings):
        say(line)
    rows, code = collect(kind.run(tasks, backends, settings), len(tasks), backends, say, f"{kind.noun}s")
    result = new_result_file(kind.name, rows, machine_info(backends), settings.as_dict())
    write_out(result.to_json(), args.out)
    if not args.quiet or args.out != "-":
        print(kind.summary_text(rows, result.machine), file=sys.stderr if args.out == "-" else sys.stdout)
    say(f"{len(rows)} rows ({status_counts(rows, STATUSES)}) written to {args.out}")
    return code
