"""What a Learn page's timed demo reports for one library (Lazy, Devices, Compilation): where it
ran, the cell that ran, and how it ended. Each topic's result adds its own timings to this."""
from __future__ import annotations

from dataclasses import dataclass

from ..backends import Backend


@dataclass
class DemoCell:
    library: str
    label: str
    device: str = ""
    device_kind: str = ""
    source: str = ""
    status: str = "ok"  # "ok", "error", "missing" (a topic may add its own)
    error: str = ""

    def place(self, backend: Backend, device: str | None) -> str | None:
        """Where this library's demo runs, ``device`` or the library's default, recorded; None, with
        status "missing" and the reason, when the library is not installed here."""
        if not backend.available:
            self.status, self.error = "missing", backend.error or "not installed"
            return None
        device = device or backend.default_device
        dev = backend.device(device)
        self.device, self.device_kind = dev.name, dev.kind
        return device
