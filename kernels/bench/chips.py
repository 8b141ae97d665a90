"""The spec sheet of Apple silicon: what each chip's GPU and memory can do on paper, with sources.

One row per chip *variant* (the same chip name ships with different GPU core counts, and for some
chips a different memory bandwidth): GPU cores, FP32 TFLOPS and memory bandwidth in GB/s. Every
figure says where it comes from (:class:`Figure`):

- ``how="apple"``: Apple's own figure (a press release, a keynote or a tech-specs page), with the
  public page that reports it;
- ``how="derived"``: computed, and the row says how. FP32 TFLOPS are derived as GPU cores × 128
  ALUs × 2 FLOPs (a fused multiply-add) × the GPU clock; the clocks of the M1 and M2 families are
  the measured ones in philipturner/metal-benchmarks (which lists M1 2617, M1 Pro 5308, M1 Max
  10617, M1 Ultra 21233, M2 3579, M2 Pro 6800 and M2 Max 13600 GFLOPS); M1's bandwidth is the bus
  width times the transfer rate;
- ``value=None``: no figure is published and none could be derived from a source found; the note
  says why (never a guess).

``verified`` is False where the figure rests on an assumption or on a third-party source that could
not be checked against Apple (an unverified clock, say). Where a chip comes in variants and the
machine does not say which (the GPU core count, from ``system_profiler`` on a Mac), every variant
is shown and a figure that differs between them is "variant-dependent", never guessed.

The published figures are for the GPU (FP32 TFLOPS) and the whole chip (memory bandwidth): Apple
publishes no CPU FLOPS. No Streamlit here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

ALUS_PER_CORE = 128  # FP32 ALUs per Apple GPU core (philipturner/metal-benchmarks, "ALUs: 128")
FLOPS_PER_ALU = 2  # a fused multiply-add counts as two floating-point operations

METAL_BENCHMARKS = ("https://github.com/philipturner/metal-benchmarks (README, 'GPU' table: measured "
                    "clock and GOPS32 per chip)")


@dataclass(frozen=True)
class Figure:
    """One published or derived figure, with where it comes from."""

    value: float | None
    how: str  # "apple" (Apple's own figure), "derived" (computed: the note says how), "none"
    source: str  # a citable page or document
    verified: bool = True  # False: rests on an assumption or an unchecked third-party figure
    note: str = ""  # how it was derived, or why there is none

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ChipSpec:
    """One chip variant: ``M3 Max`` with a 40-core GPU."""

    chip: str  # "M3 Max"
    gpu_cores: int
    fp32_tflops: Figure
    bandwidth_gbps: Figure

    @property
    def name(self) -> str:
        return f"Apple {self.chip} ({self.gpu_cores}-core GPU)"

    def as_dict(self) -> dict:
        return {"chip": self.chip, "gpu_cores": self.gpu_cores,
                "fp32_tflops": self.fp32_tflops.as_dict(), "bandwidth_gbps": self.bandwidth_gbps.as_dict()}


def derived_tflops(cores: int, clock_ghz: float, clock_source: str, *, verified: bool = True,
                   assumption: str = "") -> Figure:
    """cores × 128 ALUs × 2 × clock, as a :class:`Figure` that says so."""
    value = round(cores * ALUS_PER_CORE * FLOPS_PER_ALU * clock_ghz / 1000, 2)
    note = (f"{cores} cores × {ALUS_PER_CORE} ALUs × {FLOPS_PER_ALU} × {clock_ghz:g} GHz = {value:g} TFLOPS"
            + (f"; {assumption}" if assumption else ""))
    return Figure(value, "derived", clock_source, verified, note)


def apple(value: float, source: str, note: str = "", verified: bool = True) -> Figure:
    return Figure(value, "apple", source, verified, note)


def none(reason: str, source: str = "") -> Figure:
    return Figure(None, "none", source, False, reason)


# --- sources --------------------------------------------------------------------------------------

M1_RELEASE = ("Apple press release 'Apple unleashes M1', 10 Nov 2020 ('2.6 teraflops of throughput'), as "
              "reported by https://www.macrumors.com/2020/11/10/apple-announces-m1-chip-for-the-mac/")
M1_BANDWIDTH = ("128-bit LPDDR4X at 4266 MT/s: 16 bytes × 4.266 GT/s = 68.3 GB/s (memory type and width as "
                "listed by https://spy.macrumors.com/threads/apple-silicon-mac-chips.2471322, which rounds "
                "differently: 66.67 GB/s). Apple published no M1 figure; its M2 press release calls M2's "
                "100GB/s '50 percent more than M1' (https://www.macrumors.com/2022/06/06/apple-announces-m2-chip-"
                "with-support-for-up-to-24gb-memory/)")
M1_PRO_MAX_RELEASE = ("Apple press release 'Introducing M1 Pro and M1 Max', 18 Oct 2021 ('M1 Pro offers up to "
                      "200GB/s ... M1 Max delivers up to 400GB/s'), as reported by "
                      "https://mybroadband.co.za/news/hardware/418862-apple-m1-pro-and-m1-max-new-chips-powering-"
                      "the-macbook-pro.html")
M1_PRO_MAX_KEYNOTE = ("Apple 'Unleashed' keynote, 18 Oct 2021 (M1 Pro 16-core GPU '5.2 teraflops', M1 Max 32-core "
                      "GPU '10.4 teraflops'), as reported by https://techzone.top/apple-m1-pro-and-m1-max-are-up-to-"
                      "4-times-faster-than-the-first-m1-computer-tecnoblog/")
M1_ULTRA_RELEASE = ("Apple press release 'Apple unveils M1 Ultra', 8 Mar 2022 (64-core GPU, 800GB/s), as reported "
                    "by https://www.notebookcheck.net/Apple-M1-Ultra-revealed-with-UltraFusion-architecture-a-20-"
                    "core-CPU-and-up-to-a-64-core-GPU.607117.0.html")
M2_RELEASE = ("Apple press release 'Apple unveils M2', 6 Jun 2022 ('100GB/s of unified memory bandwidth'), as "
              "reported by https://www.macrumors.com/2022/06/06/apple-announces-m2-chip-with-support-for-up-to-"
              "24gb-memory/")
M2_PRO_MAX_RELEASE = ("Apple press release 'Apple unveils M2 Pro and M2 Max', 17 Jan 2023, https://www.apple.com/"
                      "hk/en/newsroom/2023/01/apple-unveils-m2-pro-and-m2-max-next-generation-chips-for-next-level-"
                      "workflows (M2 Pro 200GB/s, M2 Max 400GB/s, as reported by https://www.iphoneincanada.ca/mac/"
                      "apple-unveils-m2-pro-and-m2-max-its-most-powerful-chips-yet/)")
M2_MAX_30 = ("Apple's tech specs: the 30-core-GPU M2 Max has 400GB/s like the 38-core one, as noted by "
             "https://www.macrumors.com/2023/10/31/apple-m3-pro-less-memory-bandwidth/")
M2_ULTRA_RELEASE = ("Apple press release 'Apple introduces M2 Ultra', 5 Jun 2023, https://www.apple.com/pt/newsroom/"
                    "2023/06/apple-introduces-m2-ultra ('800GB/s of memory bandwidth'; 60- or 76-core GPU)")
M3_SPECS = ("Apple's tech specs for M3 Macs ('100GB/s memory bandwidth'), as reported by "
            "https://gizmohopper.com/glossary/apple-m3 ('bandwidth up to 100GB/s'); not checked on Apple's page here")
M3_PRO_MAX_SPECS = ("Apple's MacBook Pro (Nov 2023) tech specs: M3 Pro 150GB/s (both variants); M3 Max with "
                    "30-core GPU 300GB/s, with 40-core GPU 400GB/s; as reported by "
                    "https://www.macrumors.com/2023/10/31/apple-m3-pro-less-memory-bandwidth/")
M3_ULTRA_SPECS = ("Apple's Mac Studio (2025) tech specs, 819GB/s (Apple's release says 'over 800GB/s'), as "
                  "reported by https://techpowerup.com/news-tags/Mac%20Studio; 60- or 80-core GPU")
M3_CLOCK = ("GPU clock 1.398 GHz as listed by https://hmc-tech.com/gpu/apple_10_core_m3 (a third-party database "
            "that lists the same clock for M2, M3 and M3 Max; Apple publishes no clock)")
M3_ASSUMPTION = "the clock is a third-party figure Apple has not confirmed"
M4_SPECS = ("Apple press release 'Apple introduces M4 Pro and M4 Max', 30 Oct 2024 (M4 120GB/s, M4 Pro 273GB/s, "
            "M4 Max up to 546GB/s), as reported by https://mactrast.com/?p=168123; the 32-core-GPU M4 Max has "
            "410GB/s (Apple's tech specs, as tabulated by https://goodnewsapodcast.com/apples-m4-m4-pro-and-m4-max-"
            "compared-to-past-generations-and-to-each-other)")
M4_NO_TFLOPS = ("Apple publishes no FP32 figure or GPU clock for the M4 family, and third-party databases disagree "
                "(hmc-tech.com lists the 8-core M4 GPU at both 1470 and 1578 MHz), so none is given")
M5_RELEASE = ("Apple press release on M5, 15 Oct 2025 ('153GB/s' unified memory bandwidth, 10-core GPU), as "
              "reported by https://www.macobserver.com/news/apples-new-m5-chip-lands-with-4x-ai-gpu-boost-faster-"
              "neural-engine-and-higher-memory-bandwidth/")
M5_NO_TFLOPS = ("Apple gives no FP32 figure or clock for M5; its 'over 4x peak GPU compute for AI vs M4' counts the "
                "neural accelerators in each GPU core (low-precision matrix math), not FP32, so none is given")


def _m1(cores: int) -> ChipSpec:
    tflops = (apple(2.6, M1_RELEASE) if cores == 8 else
              derived_tflops(cores, 1.278, METAL_BENCHMARKS))
    return ChipSpec("M1", cores, tflops, Figure(68.3, "derived", M1_BANDWIDTH, False,
                                               "bus width × transfer rate; Apple published no figure"))


def _m1_big(chip: str, cores: int, full: int, apple_tflops: float | None, bandwidth: float, source: str) -> ChipSpec:
    if cores == full and apple_tflops is not None:
        tflops = apple(apple_tflops, M1_PRO_MAX_KEYNOTE)
    else:
        tflops = derived_tflops(cores, 1.296, METAL_BENCHMARKS)
    return ChipSpec(chip, cores, tflops, apple(bandwidth, source))


def _m2(chip: str, cores: int, bandwidth: float, source: str, assumption: str = "") -> ChipSpec:
    return ChipSpec(chip, cores, derived_tflops(cores, 1.398, METAL_BENCHMARKS, verified=not assumption,
                                                assumption=assumption),
                    apple(bandwidth, source))


def _m3(chip: str, cores: int, bandwidth: float, source: str, verified_bandwidth: bool = True) -> ChipSpec:
    return ChipSpec(chip, cores, derived_tflops(cores, 1.398, M3_CLOCK, verified=False, assumption=M3_ASSUMPTION),
                    apple(bandwidth, source, verified=verified_bandwidth))


def _m4(chip: str, cores: int, bandwidth: float) -> ChipSpec:
    return ChipSpec(chip, cores, none(M4_NO_TFLOPS), apple(bandwidth, M4_SPECS))


M2_ULTRA_CLOCK = "assumes the clock of the M2 Max, whose two dies M2 Ultra joins (no measured M2 Ultra clock found)"

CHIPS: tuple[ChipSpec, ...] = (
    _m1(7), _m1(8),
    _m1_big("M1 Pro", 14, 16, 5.2, 200, M1_PRO_MAX_RELEASE), _m1_big("M1 Pro", 16, 16, 5.2, 200, M1_PRO_MAX_RELEASE),
    _m1_big("M1 Max", 24, 32, 10.4, 400, M1_PRO_MAX_RELEASE), _m1_big("M1 Max", 32, 32, 10.4, 400, M1_PRO_MAX_RELEASE),
    _m1_big("M1 Ultra", 48, 64, None, 800, M1_ULTRA_RELEASE), _m1_big("M1 Ultra", 64, 64, None, 800, M1_ULTRA_RELEASE),
    _m2("M2", 8, 100, M2_RELEASE), _m2("M2", 10, 100, M2_RELEASE),
    _m2("M2 Pro", 16, 200, M2_PRO_MAX_RELEASE), _m2("M2 Pro", 19, 200, M2_PRO_MAX_RELEASE),
    _m2("M2 Max", 30, 400, M2_MAX_30), _m2("M2 Max", 38, 400, M2_PRO_MAX_RELEASE),
    _m2("M2 Ultra", 60, 800, M2_ULTRA_RELEASE, M2_ULTRA_CLOCK),
    _m2("M2 Ultra", 76, 800, M2_ULTRA_RELEASE, M2_ULTRA_CLOCK),
    _m3("M3", 8, 100, M3_SPECS, False), _m3("M3", 10, 100, M3_SPECS, False),
    _m3("M3 Pro", 14, 150, M3_PRO_MAX_SPECS), _m3("M3 Pro", 18, 150, M3_PRO_MAX_SPECS),
    _m3("M3 Max", 30, 300, M3_PRO_MAX_SPECS), _m3("M3 Max", 40, 400, M3_PRO_MAX_SPECS),
    _m3("M3 Ultra", 60, 819, M3_ULTRA_SPECS), _m3("M3 Ultra", 80, 819, M3_ULTRA_SPECS),
    _m4("M4", 8, 120), _m4("M4", 10, 120),
    _m4("M4 Pro", 16, 273), _m4("M4 Pro", 20, 273),
    _m4("M4 Max", 32, 410), _m4("M4 Max", 40, 546),
    ChipSpec("M5", 10, none(M5_NO_TFLOPS), apple(153, M5_RELEASE)),
)
CHIP_NAMES = tuple(dict.fromkeys(c.chip for c in CHIPS))  # "M1", "M1 Pro", …

_NAME = re.compile(r"\bM(\d{1,2})(?:\s+(Pro|Max|Ultra))?\b", re.IGNORECASE)


def chip_name(text: str) -> str | None:
    """``M1 Pro`` from ``Apple M1 Pro`` (the brand string from sysctl or ``mx.device_info()``), or
    None when ``text`` names no Apple M-series chip."""
    text = str(text or "")[:200]
    if "apple" not in text.lower() and not re.match(r"\s*M\d", text, re.IGNORECASE):
        return None
    match = _NAME.search(text)
    if not match:
        return None
    tier = f" {match.group(2).capitalize()}" if match.group(2) else ""
    return f"M{int(match.group(1))}{tier}"


@dataclass(frozen=True)
class Match:
    """What the spec sheet says about a chip string: its variants, the one this machine has when its
    GPU core count is known, and the figures that hold whichever it is."""

    query: str
    chip: str | None  # "M1 Pro"; None: not an Apple M-series name
    variants: tuple[ChipSpec, ...]  # every row of that chip (empty: unknown chip)
    gpu_cores: int | None = None  # the machine's, when known

    @property
    def known(self) -> bool:
        return bool(self.variants)

    @property
    def selected(self) -> ChipSpec | None:
        """The variant this machine has: the only one, or the one with its GPU core count."""
        if len(self.variants) == 1:
            return self.variants[0]
        return next((v for v in self.variants if v.gpu_cores == self.gpu_cores), None)

    def figure(self, name: str) -> Figure | None:
        """``fp32_tflops`` or ``bandwidth_gbps`` for this machine: the selected variant's, or the one
        value every variant shares; None when it depends on a variant nobody has named (or is unknown)."""
        chosen = self.selected
        if chosen is not None:
            return getattr(chosen, name)
        figures = [getattr(v, name) for v in self.variants]
        if figures and all(f.value == figures[0].value for f in figures):
            return figures[0]
        return None

    def value(self, name: str) -> float | None:
        figure = self.figure(name)
        return figure.value if figure is not None else None

    @property
    def message(self) -> str:
        """One sentence for a person: what was found, or why nothing was."""
        if self.chip is None:
            return f"{self.query!r} is not an Apple-silicon chip: no published figures"
        if not self.variants:
            return (f"{self.query!r} looks like Apple {self.chip}, which this spec sheet does not list yet "
                    f"(known: {', '.join(CHIP_NAMES)})")
        if len(self.variants) == 1 or self.selected is not None:
            return f"Apple {self.chip}" + (f" with a {self.selected.gpu_cores}-core GPU" if self.selected else "")
        counts = [str(v.gpu_cores) for v in self.variants]
        cores = ", ".join(f"{c}-" for c in counts[:-1]) + f" or {counts[-1]}"
        differs = [label for label, name in (("FP32 TFLOPS", "fp32_tflops"), ("memory bandwidth", "bandwidth_gbps"))
                   if self.figure(name) is None and any(getattr(v, name).value for v in self.variants)]
        article = "an" if counts[0].startswith(("8", "11", "18")) else "a"
        return (f"Apple {self.chip} comes with {article} {cores}-core GPU" +
                (f"; {' and '.join(differs)} depend on which, and this machine did not say"
                 if differs else ""))

    def as_dict(self) -> dict:
        return {"query": self.query, "chip": self.chip, "known": self.known, "message": self.message,
                "gpu_cores": self.gpu_cores,
                "selected_gpu_cores": self.selected.gpu_cores if self.selected else None,
                "variants": [v.as_dict() for v in self.variants]}


def lookup(text: str, gpu_cores: int | None = None) -> Match:
    """The spec-sheet rows for a chip string (``Apple M1 Pro``); ``gpu_cores`` picks a variant."""
    name = chip_name(text)
    cores = (gpu_cores if isinstance(gpu_cores, int) and not isinstance(gpu_cores, bool) and 0 < gpu_cores < 4096
             else None)
    rows = tuple(c for c in CHIPS if c.chip == name) if name else ()
    return Match(str(text or ""), name, rows, cores)


def detect(machine: Mapping) -> Match:
    """The spec-sheet rows for a result file's (or this machine's) ``machine`` block: its ``cpu`` brand
    string and, where recorded, its GPU core count (``kernels.machine``: ``system_profiler`` on a Mac)."""
    return lookup(str((machine or {}).get("cpu") or ""), (machine or {}).get("gpu_cores"))


def table(variants: Sequence[ChipSpec]) -> list[dict]:
    """Rows for a page's table: one per variant, each figure with how it was obtained and its source."""
    out = []
    for v in variants:
        out.append({
            "chip": f"Apple {v.chip}", "GPU cores": v.gpu_cores,
            "FP32 TFLOPS": v.fp32_tflops.value, "TFLOPS: how": _how(v.fp32_tflops),
            "memory GB/s": v.bandwidth_gbps.value, "GB/s: how": _how(v.bandwidth_gbps),
            "TFLOPS source": v.fp32_tflops.source or v.fp32_tflops.note,
            "GB/s source": v.bandwidth_gbps.source,
        })
    return out


def _how(figure: Figure) -> str:
    if figure.value is None:
        return f"not published: {figure.note}"
    words = {"apple": "Apple's figure", "derived": "derived"}.get(figure.how, figure.how)
    if figure.note:
        words += f" ({figure.note})"
    return words + ("" if figure.verified else "; unverified")
