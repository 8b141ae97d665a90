"""Measuring in a process of its own: the page's server only draws.

A page's run is timed by the same engine the command lines use (``kernels.bench.runner.run``,
``kernels.models.runner.run``, ...), started in a child process (``python -m
kernels.measure.child``), which streams each row back as it is measured. Nothing the server does
(redrawing charts, other sessions' scripts, Python's garbage collector) shares the timed process's
interpreter, so a page's figures are the command line's figures. Stop ends the child within a
second whatever it is doing (a library call that cannot be interrupted included): it is asked to
stop first, so it can end what it started itself (a compiler probe), then killed. A crash in a
library's native code (an abort on a GPU) ends the child, not the server, and the run says so.

The protocol, over the child's stdin and a dedicated copy of its stdout (the child's own stdout is
pointed at its stderr, so nothing a library prints can garble it), each message one pickled frame
behind a 4-byte length:

* parent → child: the :class:`Job`, then ``"next"`` (measure the next row) or ``"stop"``; end of
  input (the server went away) is a stop too;
* child → parent: ``("ready", seconds to import)``, ``("row", Progress fields)``, ``("partial",
  values)`` for news from inside a row (tokens so far), ``("failed", message)``, ``("end", None)``.

After each row the child waits for ``"next"``: the page draws the row while nothing is timed (on a
machine with few cores the drawing would otherwise compete with the timing for the cores).
"""
from __future__ import annotations

import collections
import importlib
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .rows import Progress

ROOT = Path(__file__).resolve().parents[2]  # where ``python -m kernels...`` finds the package
STOP_GRACE_S = 0.4  # after "stop", how long the child has to end on its own before it is killed
POLL_S = 0.05  # how often the parent looks at Stop while it waits for the child
START_S = 2.0  # starting a measuring process: importing the libraries took 1.5 s on a 2-core Linux VM
STDERR_KEPT = 40  # lines of the child's stderr kept, to say why it ended when it crashes


@dataclass(frozen=True)
class Job:
    """What to measure: ``engine(tasks, backends, *args, should_stop=..., **kwargs)`` in the child.
    ``engine`` is ``"module:function"``; ``partial`` names the keyword through which the engine
    reports news from inside a row (``"on_tokens"``), if it has one. Everything here is pickled."""

    engine: str
    tasks: tuple
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    backends: tuple[str, ...] = ("numpy", "torch", "mlx")
    partial: str | None = None
    missing: dict = field(default_factory=dict)  # library -> its import error, as the server found it

    @classmethod
    def of(cls, engine: Callable, tasks, backends, *args, partial: str | None = None, **kwargs) -> Job:
        """The job of calling ``engine(tasks, backends, *args, **kwargs)`` (``backends`` a mapping of
        the libraries found here: the child finds the same ones by name)."""
        missing = {name: b.error for name, b in backends.items() if not b.available}
        return cls(f"{engine.__module__}:{engine.__qualname__}", tuple(tasks), tuple(args), dict(kwargs),
                   tuple(backends), partial, missing)


class ChildFailed(Exception):
    """The child ended without finishing: the engine raised, or the process died (its words)."""


# --- the wire ------------------------------------------------------------------------------------

def send(stream, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<I", len(data)) + data)
    stream.flush()


def receive(stream) -> Any:
    """The next message, or None at the end of the stream."""
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack("<I", head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


# --- the parent's side ---------------------------------------------------------------------------

def command() -> list[str]:
    return [sys.executable, "-m", __name__]


def steps_in_child(job: Job, on_partial: Callable[[dict], None] = lambda values: None,
                   on_ready: Callable[[float], None] = lambda seconds: None,
                   wait_quiet: Callable[[dict], float] = lambda row: 0.0,
                   ) -> Callable[[Callable[[], bool]], Iterator[Progress]]:
    """``steps(should_stop)`` for :meth:`kernels.measure.live.LiveRun.start`: the rows of ``job``,
    measured in a child process, as :class:`Progress` values. The child measures the next row only
    when the caller asks for it (the generator is resumed), after waiting up to ``wait_quiet(row)``
    seconds for the machine to be quiet (:func:`settle`); ``should_stop()`` is heard within
    :data:`POLL_S`, and the child has ended (asked, then killed) before the generator returns."""

    def steps(should_stop: Callable[[], bool]) -> Iterator[Progress]:
        with Child() as child:
            child.send(job)
            while True:
                kind, value = child.next_message(should_stop)
                if kind == "stopped":
                    return
                if kind == "ready":
                    on_ready(value)
                elif kind == "partial":
                    on_partial(value)
                elif kind == "row":
                    yield Progress(**value)
                    if should_stop():
                        return
                    child.send(("next", float(wait_quiet(value["row"]))))
                elif kind == "end":
                    return
                elif kind == "failed":
                    raise ChildFailed(value)
    return steps


class Child:
    """One measuring process, ended (asked to stop, then killed) when the ``with`` block ends."""

    def __init__(self):
        self.proc = subprocess.Popen(command(), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=os.name == "posix")
        self.messages: queue.Queue = queue.Queue()
        self.stderr: collections.deque[str] = collections.deque(maxlen=STDERR_KEPT)
        self._readers = [threading.Thread(target=self._read, name="measure-child-out", daemon=True),
                         threading.Thread(target=self._read_stderr, name="measure-child-err", daemon=True)]
        for reader in self._readers:
            reader.start()

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc) -> None:
        self.end()

    def _read(self) -> None:
        while (message := receive(self.proc.stdout)) is not None:
            self.messages.put(message)
        self.messages.put(("exit", None))

    def _read_stderr(self) -> None:
        for raw in self.proc.stderr:  # the libraries' warnings: on the server's terminal, and kept
            line = raw.decode("utf-8", "replace")
            self.stderr.append(line.rstrip())
            sys.stderr.write(line)

    def send(self, message: Any) -> None:
        try:
            send(self.proc.stdin, message)
        except (BrokenPipeError, OSError):  # it has ended: next_message says how
            pass

    def next_message(self, should_stop: Callable[[], bool]) -> tuple[str, Any]:
        """The child's next message; ``("stopped", None)`` as soon as ``should_stop()``."""
        while True:
            if should_stop():
                return "stopped", None
            try:
                kind, value = self.messages.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if kind == "exit":
                raise ChildFailed(self.why_ended())
            return kind, value

    def why_ended(self) -> str:
        code = self.proc.wait()
        for reader in self._readers:
            reader.join(1.0)
        last = [line for line in self.stderr if line.strip()]
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            how = f"the measuring process was ended by {name}"
        else:
            how = f"the measuring process exited with status {code}"
        return how + (f"; its last words: {last[-1]}" if last else "")

    def end(self) -> None:
        """Ask the child to stop, give it :data:`STOP_GRACE_S` to end what it started, then kill it
        (and, on POSIX, what it started: its process group)."""
        if self.proc.poll() is None:
            self.send("stop")
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
        if os.name == "posix":
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group made for it: its compiler probes too
            except (ProcessLookupError, PermissionError):
                pass
        elif self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass


# --- the child's side ----------------------------------------------------------------------------

QUIET_CORES = 0.5  # the machine is quiet when the rest of it keeps less than half a core busy
QUIET_SAMPLE_S = 0.1


def settle(at_most_s: float, should_stop: Callable[[], bool] = lambda: False) -> float:
    """Wait until the machine is quiet (two samples in a row of :data:`QUIET_SAMPLE_S` with less than
    :data:`QUIET_CORES` busy: this process waits meanwhile, so the load is the others'), or
    ``at_most_s`` seconds. After a row a browser on the same machine draws it, and on a machine with
    few cores its drawing would compete with the next row's timing. Returns the seconds waited."""
    if at_most_s <= 0:
        return 0.0
    import psutil

    began = time.monotonic()
    cores, quiet = psutil.cpu_count() or 1, 0
    while quiet < 2 and not should_stop():
        left = at_most_s - (time.monotonic() - began)
        if left <= 0:
            break
        busy = psutil.cpu_percent(interval=min(QUIET_SAMPLE_S, left)) / 100 * cores
        quiet = quiet + 1 if busy < QUIET_CORES else 0
    return time.monotonic() - began

def resolve(engine: str) -> Callable:
    module, _, name = engine.partition(":")
    return getattr(importlib.import_module(module), name)


def serve(inbox, outbox) -> int:
    """Read one :class:`Job` from ``inbox``, run it, write its rows to ``outbox``."""
    began = time.perf_counter()
    from ..backends import discover, missing

    discover()  # import the libraries before the job arrives
    job: Job | None = receive(inbox)
    if job is None:
        return 0
    stop, go = threading.Event(), threading.Semaphore(0)

    quiet_for = [0.0]  # before the next row: how long it may wait for a quiet machine

    def listen() -> None:  # ("next", seconds) lets the next row start; "stop" or the end of input stops
        while (message := receive(inbox)) is not None and message != "stop":
            if isinstance(message, tuple) and message[0] == "next":
                quiet_for[0] = message[1]
                go.release()
        stop.set()
        go.release()

    threading.Thread(target=listen, name="measure-child-inbox", daemon=True).start()
    found = discover(name for name in job.backends if name not in job.missing)
    backends = {name: found[name] if name in found else missing(name, job.missing[name]) for name in job.backends}
    engine = resolve(job.engine)
    send(outbox, ("ready", time.perf_counter() - began))
    kwargs = dict(job.kwargs)
    if job.partial:
        kwargs[job.partial] = lambda values: send(outbox, ("partial", dict(values)))
    try:
        for step in engine(list(job.tasks), backends, *job.args, should_stop=stop.is_set, **kwargs):
            send(outbox, ("row", {"done": step.done, "total": step.total, "row": step.row,
                                  "elapsed_s": step.elapsed_s, "text": step.text}))
            go.acquire()
            if stop.is_set():
                break
            settle(quiet_for[0], stop.is_set)  # the page draws the row: the next is timed once it is done
    except Exception as exc:  # an engine bug: said in one line, the page lives on
        from .rows import error_message

        send(outbox, ("failed", error_message(exc)))
        return 1
    send(outbox, ("end", None))
    return 0


def main() -> int:
    inbox = sys.stdin.buffer
    outbox = os.fdopen(os.dup(sys.stdout.fileno()), "wb")  # the protocol's own copy of stdout
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # what libraries print goes to stderr
    sys.stdout = sys.stderr
    try:
        return serve(inbox, outbox)
    except BrokenPipeError:  # the server went away
        return 0


if __name__ == "__main__":
    sys.exit(main())
