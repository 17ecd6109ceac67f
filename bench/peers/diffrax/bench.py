"""Diffrax on the PROBLEMS.md problems: forward solves and gradients.

Prints one JSON object per line: {"problem", "what", "seconds", "steps", ...}.
Run through ../run.sh, which installs the pinned jax and diffrax into a local
virtual environment. Times are the best of several runs after compilation.
"""

import json
import math
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
import diffrax as dfx  # noqa: E402
import jax.numpy as jnp  # noqa: E402

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def best_time(fn, *args):
    out = fn(*args)
    jax.block_until_ready(out)
    best = math.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        out = fn(*args)
        jax.block_until_ready(out)
        best = min(best, time.perf_counter() - start)
    return best, out


def pid(rtol, atol):
    return dfx.PIDController(rtol=rtol, atol=atol)


def emit(problem, what, seconds, **extra):
    row = {"problem": problem, "what": what, "seconds": seconds}
    row.update({k: (float(v) if hasattr(v, "item") else v) for k, v in extra.items()})
    print(json.dumps(row), flush=True)


# P1 Lotka-Volterra -------------------------------------------------------------
def lv(t, y, p):
    x, z = y
    a, b, c, d = p
    return jnp.stack([a * x - b * x * z, -c * z + d * x * z])


def p1():
    ts = jnp.linspace(0.0, 10.0, 21)
    y0 = jnp.array([1.0, 1.0])
    p = jnp.array([1.5, 1.0, 3.0, 1.0])

    def solve(y0, p, adjoint):
        return dfx.diffeqsolve(
            dfx.ODETerm(lv), dfx.Tsit5(), 0.0, 10.0, 0.01, y0, args=p,
            saveat=dfx.SaveAt(ts=ts), stepsize_controller=pid(1e-8, 1e-8),
            adjoint=adjoint, max_steps=4096,
        )

    def loss(y0, p, adjoint):
        return jnp.sum(solve(y0, p, adjoint).ys ** 2)

    fwd = jax.jit(lambda y0, p: solve(y0, p, dfx.RecursiveCheckpointAdjoint()))
    t, sol = best_time(fwd, y0, p)
    emit("P1", "forward Tsit5", t, steps=sol.stats["num_accepted_steps"],
         rejected=sol.stats["num_rejected_steps"])
    for name, adj in [("RecursiveCheckpoint", dfx.RecursiveCheckpointAdjoint()),
                      ("Backsolve", dfx.BacksolveAdjoint()),
                      ("Direct", dfx.DirectAdjoint())]:
        g = jax.jit(jax.grad(lambda y0, p: loss(y0, p, adj), argnums=(0, 1)))
        t, _ = best_time(g, y0, p)
        emit("P1", f"gradient {name}", t)


# P3 Robertson -------------------------------------------------------------------
def rober(t, y, k):
    y1, y2, y3 = y
    k1, k2, k3 = k
    return jnp.stack([
        -k1 * y1 + k3 * y2 * y3,
        k1 * y1 - k2 * y2 ** 2 - k3 * y2 * y3,
        k2 * y2 ** 2,
    ])


def p3():
    y0 = jnp.array([1.0, 0.0, 0.0])
    k = jnp.array([0.04, 3e7, 1e4])

    def solve(y0, k):
        return dfx.diffeqsolve(
            dfx.ODETerm(rober), dfx.Kvaerno5(), 0.0, 1e5, 1e-6, y0, args=k,
            stepsize_controller=pid(1e-8, 1e-10), max_steps=100_000,
        )

    t, sol = best_time(jax.jit(solve), y0, k)
    emit("P3", "forward Kvaerno5", t, steps=sol.stats["num_accepted_steps"],
         rejected=sol.stats["num_rejected_steps"])
    g = jax.jit(jax.grad(lambda y0, k: solve(y0, k).ys[-1, 0], argnums=(0, 1)))
    t, _ = best_time(g, y0, k)
    emit("P3", "gradient RecursiveCheckpoint Kvaerno5", t)


# P4 neural ODE ------------------------------------------------------------------
def p4_params():
    w1 = [[0.1 * math.sin(2 * i + j + 1) for j in range(2)] for i in range(16)]
    b1 = [0.05 * math.cos(i) for i in range(16)]
    w2 = [[0.1 * math.cos(16 * i + j + 1) for j in range(16)] for i in range(2)]
    b2 = [0.0, 0.0]
    flat = [v for row in w1 for v in row] + b1 + [v for row in w2 for v in row] + b2
    return jnp.array(flat)


def mlp(t, y, p):
    w1 = p[0:32].reshape(16, 2)
    b1 = p[32:48]
    w2 = p[48:80].reshape(2, 16)
    b2 = p[80:82]
    return w2 @ jnp.tanh(w1 @ y + b1) + b2


def p4():
    y0 = jnp.array([1.0, -0.5])
    p = p4_params()

    def solve(y0, p):
        return dfx.diffeqsolve(
            dfx.ODETerm(mlp), dfx.Dopri5(), 0.0, 5.0, 0.01, y0, args=p,
            stepsize_controller=pid(1e-7, 1e-9), max_steps=4096,
        )

    t, sol = best_time(jax.jit(solve), y0, p)
    emit("P4", "forward Dopri5", t, steps=sol.stats["num_accepted_steps"])
    g = jax.jit(jax.grad(lambda y0, p: jnp.sum(solve(y0, p).ys[-1] ** 2), argnums=(0, 1)))
    t, _ = best_time(g, y0, p)
    emit("P4", "gradient RecursiveCheckpoint", t)


# P6 heat equation ---------------------------------------------------------------
def p6():
    n = 32
    h = 1.0 / (n + 1)
    x = (jnp.arange(n) + 1) * h
    y0 = jnp.sin(jnp.pi * x) + 0.5 * jnp.sin(3 * jnp.pi * x)

    def heat(t, y, p):
        padded = jnp.concatenate([jnp.zeros(1), y, jnp.zeros(1)])
        return p[0] * (padded[:-2] - 2 * y + padded[2:]) / h ** 2

    for name, solver in [("Kvaerno5", dfx.Kvaerno5()), ("Tsit5", dfx.Tsit5())]:
        def solve(y0, p, solver=solver):
            return dfx.diffeqsolve(
                dfx.ODETerm(heat), solver, 0.0, 0.5, 1e-3, y0, args=p,
                stepsize_controller=pid(1e-6, 1e-8), max_steps=100_000,
            )

        t, sol = best_time(jax.jit(solve), y0, jnp.array([0.1]))
        emit("P6", f"forward {name}", t, steps=sol.stats["num_accepted_steps"],
             rejected=sol.stats["num_rejected_steps"])


if __name__ == "__main__":
    emit("meta", "versions", 0.0, jax=jax.__version__, diffrax=dfx.__version__)
    for problem in (p1, p3, p4, p6):
        problem()
