"""Writes the side-by-side table of odegrad, diffsol and Diffrax into BENCHMARKS.md.

Reads criterion's estimates of this crate's benches (odegrad and diffsol,
same process) and of the workspace's own benches (odegrad rows Diffrax has
and diffsol does not), and the JSON lines of diffrax/bench.py; writes one
row per problem and task with a column per implementation between the
`peers:begin` and `peers:end` markers of the root BENCHMARKS.md.
"""

import json
import os
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


# Where each cell of the table comes from. `peers` is this crate's criterion
# output (odegrad and diffsol in one process), `root` the workspace's own
# benches (odegrad with `#[ode_system]` systems), `diffrax` the JSON lines of
# diffrax/bench.py, keyed by (problem, what).
ROWS = [
    ("P1 Lotka–Volterra", "forward", "Tsit5, rtol = atol = 1e-8, 21 saves", {
        "odegrad": [("Tsit5", "peers", "P1 lotka-volterra rtol=atol=1e-8, 21 ts/odegrad Tsit5")],
        "diffsol": [("Tsit45", "peers", "P1 lotka-volterra rtol=atol=1e-8, 21 ts/diffsol Tsit45")],
        "Diffrax": [("Tsit5", "diffrax", ("P1", "forward Tsit5"))],
    }),
    ("P1 Lotka–Volterra", "gradient of Σ‖y(tᵢ)‖²", "Tsit5, rtol = atol = 1e-8", {
        "odegrad": [
            ("RecursiveCheckpoint", "peers", "P1 gradient, Tsit5 rtol=atol=1e-8, 21 ts/odegrad RecursiveCheckpoint C=4096"),
            ("Backsolve", "peers", "P1 gradient, Tsit5 rtol=atol=1e-8, 21 ts/odegrad Backsolve"),
            ("Direct", "peers", "P1 gradient, Tsit5 rtol=atol=1e-8, 21 ts/odegrad Direct (forward sensitivities)"),
        ],
        "diffsol": [
            ("discrete (step_vjp)", "peers", "P1 gradient, Tsit5 rtol=atol=1e-8, 21 ts/diffsol discrete adjoint step_vjp (Tsit45)"),
            ("continuous adjoint", "peers", "P1 gradient, Tsit5 rtol=atol=1e-8, 21 ts/diffsol continuous adjoint (Tsit45)"),
        ],
        "Diffrax": [
            ("RecursiveCheckpoint", "diffrax", ("P1", "gradient RecursiveCheckpoint")),
            ("Backsolve", "diffrax", ("P1", "gradient Backsolve")),
            ("Direct", "diffrax", ("P1", "gradient Direct")),
        ],
    }),
    ("P3 Robertson", "forward", "to t = 1e5, rtol 1e-8, atol 1e-10", {
        "odegrad": [("Kvaerno5", "peers", "p3/odegrad_kvaerno5"),
                    ("Rodas5P", "peers", "p3/odegrad_rodas5p")],
        "diffsol": [("BDF", "peers", "p3/diffsol_bdf"),
                    ("ESDIRK34", "peers", "p3/diffsol_esdirk34")],
        "Diffrax": [("Kvaerno5", "diffrax", ("P3", "forward Kvaerno5"))],
    }),
    ("P3 Robertson", "gradient of y₁(1e5)", "Kvaerno5, RecursiveCheckpoint", {
        "odegrad": [("Kvaerno5", "root", "P3_robertson_kvaerno5/C=256")],
        "diffsol": [],
        "Diffrax": [("Kvaerno5", "diffrax", ("P3", "gradient RecursiveCheckpoint Kvaerno5"))],
    }),
    ("P4 neural ODE 2–16–2", "forward", "rtol 1e-7, atol 1e-9, y(5)", {
        "odegrad": [("Dopri5", "root", "P4_neural_ode_dopri5/forward"),
                    ("Tsit5", "peers", "P4 neural ODE rtol=1e-7 atol=1e-9, y(5)/odegrad Tsit5")],
        "diffsol": [("Tsit45", "peers", "P4 neural ODE rtol=1e-7 atol=1e-9, y(5)/diffsol Tsit45")],
        "Diffrax": [("Dopri5", "diffrax", ("P4", "forward Dopri5"))],
    }),
    ("P4 neural ODE 2–16–2", "gradient, 82 parameters", "rtol 1e-7, atol 1e-9", {
        "odegrad": [
            ("RecursiveCheckpoint Dopri5", "root", "P4_neural_ode_dopri5/C=steps"),
            ("RecursiveCheckpoint Tsit5", "peers", "P4 gradient, 82 parameters, Tsit5 rtol=1e-7 atol=1e-9/odegrad RecursiveCheckpoint C=4096"),
            ("Backsolve Tsit5", "peers", "P4 gradient, 82 parameters, Tsit5 rtol=1e-7 atol=1e-9/odegrad Backsolve"),
            ("Direct Tsit5 (82 sensitivities)", "peers", "P4 gradient, 82 parameters, Tsit5 rtol=1e-7 atol=1e-9/odegrad Direct (forward sensitivities, 82)"),
        ],
        "diffsol": [
            ("discrete (step_vjp) Tsit45", "peers", "P4 gradient, 82 parameters, Tsit5 rtol=1e-7 atol=1e-9/diffsol discrete adjoint step_vjp (Tsit45)"),
            ("continuous adjoint Tsit45", "peers", "P4 gradient, 82 parameters, Tsit5 rtol=1e-7 atol=1e-9/diffsol continuous adjoint (Tsit45)"),
            ("82 forward sensitivities Tsit45", "peers", "P4 gradient, 82 parameters, Tsit5 rtol=1e-7 atol=1e-9/diffsol forward sensitivities, 82 (Tsit45)"),
        ],
        "Diffrax": [("RecursiveCheckpoint Dopri5", "diffrax", ("P4", "gradient RecursiveCheckpoint"))],
    }),
    ("P6 heat equation, N = 32", "forward", "rtol 1e-6, atol 1e-8, to t = 0.5", {
        "odegrad": [("Kvaerno5", "root", "P6_heat_kvaerno5/forward"),
                    ("Tsit5", "root", "P6_heat32_tsit5/forward")],
        "diffsol": [],
        "Diffrax": [("Kvaerno5", "diffrax", ("P6", "forward Kvaerno5")),
                    ("Tsit5", "diffrax", ("P6", "forward Tsit5"))],
    }),
]
IMPLEMENTATIONS = ("odegrad", "diffsol", "Diffrax")


def criterion_medians(root):
    """Median seconds of every criterion benchmark under `root`, by full id."""
    out = {}
    for bench in root.glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        out[meta["full_id"]] = est["median"]["point_estimate"] * 1e-9
    return out


def diffrax_rows(path):
    rows, versions = {}, "not run"
    if not path.exists():
        return rows, versions
    for line in path.read_text().splitlines():
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        if row["problem"] == "meta":
            versions = f"jax {row['jax']}, diffrax {row['diffrax']}"
            continue
        rows[(row["problem"], row["what"])] = row
    return rows, versions


def cell(entries, sources):
    parts = []
    for label, source, key in entries:
        found = sources[source].get(key)
        seconds = found["seconds"] if isinstance(found, dict) else found
        steps = ""
        if isinstance(found, dict) and "steps" in found:
            steps = f" ({int(found['steps'])} steps)"
        parts.append(f"{label}: {fmt(seconds)}{steps}" if found is not None
                     else f"{label}: not measured")
    return "<br>".join(parts) if parts else "—"


def main():
    diffrax, versions = diffrax_rows(HERE / "target" / "diffrax.jsonl")
    sources = {
        "peers": criterion_medians(HERE / "target" / "criterion"),
        "root": criterion_medians(HERE.parent.parent / "target" / "criterion"),
        "diffrax": diffrax,
    }
    lines = [
        BEGIN,
        "",
        f"Machine: {platform.machine()}, {platform.processor() or 'unknown CPU'}, "
        f"{os.cpu_count()} cores. odegrad and diffsol 0.18: criterion medians; the "
        "odegrad–diffsol pairs marked Tsit5/Tsit45 run in one process with the same "
        "right-hand-side code. Diffrax "
        f"({versions}, CPU, float64): best of repeated runs after JIT compilation. "
        "Problems, tolerances and losses as in PROBLEMS.md. "
        f"Load average when the table was written: {os.getloadavg()[0]:.1f} "
        "(other work on the machine inflates every column alike only roughly).",
        "Made by `bash bench/peers/run.sh`.",
        "",
        "| problem | task | settings | " + " | ".join(IMPLEMENTATIONS) + " |",
        "|---|---|---|" + "---|" * len(IMPLEMENTATIONS),
    ]
    for problem, task, settings, impls in ROWS:
        cells = [cell(impls.get(name, []), sources) for name in IMPLEMENTATIONS]
        lines.append(f"| {problem} | {task} | {settings} | " + " | ".join(cells) + " |")
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
