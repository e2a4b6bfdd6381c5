"""The ``nr`` command (also ``python -m nr_core``): ``nr backends`` prints every backend, its devices and status;
``nr amp`` prints autocast's policy table."""
from __future__ import annotations

import argparse
import sys

from .plugins import REGISTRY


def _smoke(device) -> str:
    """A tiny computation on the device, so PASS means it really ran."""
    import nr_core as nr
    try:
        got = (nr.asarray([1.0, 2.0, 3.0], device=device) * 2).tolist()
        return "ok" if got == [2.0, 4.0, 6.0] else f"wrong result {got}"
    except Exception as exc:  # the table reports it; the command must not die on one bad device
        return f"{type(exc).__name__}: {exc}"


def backends_table(smoke: bool = True) -> str:
    statuses = sorted(REGISTRY.all_statuses(), key=lambda s: (s.backend is None, s.name))
    try:
        default = REGISTRY.default_device()
    except Exception as exc:
        default, default_err = None, f"{type(exc).__name__}: {exc}"
    else:
        default_err = ""
    lines = []
    if not statuses:
        lines.append("no nr backends are installed: pip install nr-backend-cpu (or: pip install neurarust)")
    for s in statuses:
        dist = f"{s.distribution} {s.version}".strip() or "?"
        if s.backend is None:  # a plugin that failed to load, or one without a backend (autograd, nn…)
            if s.available:
                lines.append(f"{'plugin':6s} {s.name:10s} {dist}  ({s.reason})")
            else:
                lines.append(f"{'FAIL':6s} {s.name:10s} {dist}\n       {s.reason}")
            continue
        state = "PASS" if s.available else "FAIL"
        lines.append(f"{state:6s} {s.name:10s} {dist}")
        if not s.available:
            lines.append(f"       unavailable: {s.reason}")
            if s.install_hint:
                lines.append(f"       to enable:   {s.install_hint}")
            continue
        names = s.backend.device_names()
        for dev in s.devices:
            mark = "*" if dev is default else " "
            check = _smoke(dev) if smoke else ""
            lines.append(f"     {mark} {str(dev):10s} {names.get(dev, '')}" + (f"  [smoke test: {check}]" if smoke else ""))
    lines.append("")
    lines.append(f"default device: {default}" + (f" ({default_err})" if default_err else "") +
                 "   (set NR_DEFAULT_DEVICE to change it; * marks it above)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nr", description="neurarust command line")
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("backends", help="list installed backends, their devices, and what enables the missing ones")
    b.add_argument("--no-smoke", action="store_true", help="skip the per-device smoke test")
    sub.add_parser("amp", help="print autocast's policy table: which ops run in 16 bits, which in float32")
    args = parser.parse_args(argv)
    if args.command in (None, "backends"):
        print(backends_table(smoke=not getattr(args, "no_smoke", False)))
        return 0
    if args.command == "amp":
        import nr_core as nr
        REGISTRY.ensure()  # plugins' ops (nr_nn's) bring their policies at discovery
        print(nr.amp.table())
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
