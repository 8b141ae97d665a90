"""What every command line (``python -m kernels.bench``, ``kernels.models``, ``kernels.doctor``)
shares: a bad flag as one line and exit status 2, comma-separated lists, progress lines on stderr,
and writing the result file to a file or stdout."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence

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
