"""wrk, the load generator users compare HTTP servers with: one run, and its figures parsed.

``wrk -t<threads> -c<connections> -d<duration>s --latency``; several paths are cycled by a
small Lua script. A run in which the server answered a 4xx/5xx or dropped a socket raises:
a fast error is not a fast answer.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENSURE = "bash scripts/ensure-wrk.sh"
_UNITS_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_UNITS_B = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_NUMBER = r"([\d.]+)([a-zA-Z]*)"


@dataclass(frozen=True)
class Load:
    duration_s: int = 8
    connections: int = 8
    threads: int = 2
    timeout_s: int = 60  # a slow answer is measured, not counted as a socket timeout


def executable() -> str:
    """wrk's path, or a one-line error saying how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(f"wrk is not installed: run `{ENSURE}` (Debian's wrk package).")
    return found


def version() -> str:
    done = subprocess.run([executable(), "-v"], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).splitlines()[0].split(" Copyright")[0].strip()


def _seconds(value: str, unit: str) -> float:
    return float(value) * _UNITS_S[unit or "s"]


def _bytes(value: str, unit: str) -> float:
    return float(value) * _UNITS_B[unit or "B"]


def _ms(value: str, unit: str) -> float:
    return round(_seconds(value, unit) * 1000, 3)


def parse(output: str) -> dict[str, Any]:
    """Requests/sec, transfer, latency (mean, stdev, max, percentiles) and errors."""
    out: dict[str, Any] = {}
    if m := re.search(rf"Latency\s+{_NUMBER}\s+{_NUMBER}\s+{_NUMBER}", output):
        out["latency_mean_ms"] = _ms(m[1], m[2])
        out["latency_stdev_ms"] = _ms(m[3], m[4])
        out["latency_max_ms"] = _ms(m[5], m[6])
    if m := re.search(rf"Req/Sec\s+{_NUMBER}\s+{_NUMBER}\s+{_NUMBER}", output):
        scale = {"": 1.0, "k": 1e3, "M": 1e6}
        out["per_thread_req_s"] = {
            "mean": float(m[1]) * scale.get(m[2], 1.0),
            "stdev": float(m[3]) * scale.get(m[4], 1.0),
            "max": float(m[5]) * scale.get(m[6], 1.0),
        }
    for pct, value, unit in re.findall(rf"^\s+(50|75|90|99)%\s+{_NUMBER}\s*$", output, re.M):
        out[f"p{pct}_ms"] = _ms(value, unit)
    if m := re.search(rf"(\d+) requests in {_NUMBER}, {_NUMBER} read", output):
        out["requests"] = int(m[1])
        out["seconds"] = round(_seconds(m[2], m[3]), 3)
        out["bytes_read"] = round(_bytes(m[4], m[5]))
    if m := re.search(r"Requests/sec:\s+([\d.]+)", output):
        out["requests_per_s"] = float(m[1])
    if m := re.search(rf"Transfer/sec:\s+{_NUMBER}", output):
        out["transfer_bytes_per_s"] = round(_bytes(m[1], m[2]))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    out["non_2xx_3xx"] = int(m[1]) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    counts = [int(n) for n in m.groups()] if m else [0, 0, 0, 0]
    out["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), counts, strict=True))
    if out.get("requests"):
        out["bytes_per_response"] = round(out["bytes_read"] / out["requests"])
    return out


def _script(paths: list[str], folder: Path) -> Path:
    """A Lua script that sends ``paths`` in turn (on each connection of each thread)."""
    quoted = ", ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    script = folder / "paths.lua"
    script.write_text(
        f"local paths = {{{quoted}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
    )
    return script


def run(base_url: str, paths: list[str], load: Load, label: str) -> dict[str, Any]:
    """One wrk run over ``paths`` (cycled); its figures, or RuntimeError on any error."""
    cmd = [
        executable(),
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{load.duration_s}s",
        f"--timeout={load.timeout_s}s",
        "--latency",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        if len(paths) > 1:
            cmd += ["-s", str(_script(paths, Path(folder)))]
        cmd.append(base_url + paths[0])
        done = subprocess.run(
            cmd, capture_output=True, text=True, check=False, timeout=load.duration_s + 120
        )
    if done.returncode != 0:
        raise RuntimeError(f"{label}: wrk exited {done.returncode}: {done.stderr.strip()}")
    figures = parse(done.stdout)
    errors = {k: v for k, v in figures["socket_errors"].items() if v}
    if figures["non_2xx_3xx"] or errors or not figures.get("requests"):
        raise RuntimeError(
            f"{label}: {figures['non_2xx_3xx']} error responses (4xx/5xx), socket errors "
            f"{errors or 'none'}, {figures.get('requests', 0)} requests; wrk said:\n{done.stdout}"
        )
    return {"command": " ".join(cmd[1:]), **figures, "output": done.stdout}
