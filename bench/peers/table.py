"""Writes the side-by-side table of odegrad, diffsol and Diffrax into BENCHMARKS.md.

Reads criterion's estimates of this crate's benches (odegrad and diffsol,
same process) and the JSON lines of diffrax/bench.py, and replaces the text
between the `peers:begin` and `peers:end` markers of the root BENCHMARKS.md.
"""

import json
import pathlib
import platform
import sys

HERE = pathlib.Path(__file__).resolve().parent
BEGIN = "<!-- peers:begin -->"
END = "<!-- peers:end -->"


def fmt(seconds):
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms"


def criterion_rows():
    rows = []
    root = HERE / "target" / "criterion"
    for bench in sorted(root.glob("**/new/benchmark.json")):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        rows.append((meta.get("group_id") or "", meta.get("function_id") or meta["full_id"],
                     est["median"]["point_estimate"] * 1e-9))
    return rows


def diffrax_rows(path):
    rows, versions = [], ""
    if not path.exists():
        return rows, "not run"
    for line in path.read_text().splitlines():
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        if row["problem"] == "meta":
            versions = f"jax {row['jax']}, diffrax {row['diffrax']}"
            continue
        rows.append(row)
    return rows, versions


def main():
    diffrax, versions = diffrax_rows(HERE / "target" / "diffrax.jsonl")
    lines = [
        BEGIN,
        "",
        f"Machine: {platform.machine()}, {platform.processor() or 'unknown CPU'}; "
        "odegrad and diffsol in one criterion process (median), Diffrax "
        f"({versions}) best of repeated runs after JIT compilation.",
        "Made by `bash bench/peers/run.sh`.",
        "",
        "| group | implementation | time |",
        "|---|---|---|",
    ]
    for group, function, seconds in criterion_rows():
        lines.append(f"| {group} | {function} | {fmt(seconds)} |")
    for row in diffrax:
        extra = ", ".join(f"{k} {int(v)}" for k, v in row.items()
                          if k in ("steps", "rejected"))
        label = f"Diffrax {row['what']}" + (f" ({extra})" if extra else "")
        lines.append(f"| {row['problem']} | {label} | {fmt(row['seconds'])} |")
    lines += ["", END]
    section = "\n".join(lines)

    target = HERE.parent.parent / "BENCHMARKS.md"
    text = target.read_text()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n## Side by side with the peers\n\n" + section + "\n"
    target.write_text(text)
    print(section)


if __name__ == "__main__":
    sys.exit(main())
