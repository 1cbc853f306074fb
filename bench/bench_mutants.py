"""Detection power at realistic sizes, false alarms, and speed against torch gradcheck (issue 11, item 4).

For the anchors' problem (Elman tanh, squared loss, weights N(0, 1/n), d = 4, m = 2) at
n = 32/T = 50, n = 64/T = 100 and n = 128/T = 200, every wrong BPTT of
:data:`rnnproof.numeric.mutants.MUTANTS` is fed to ``usercheck.check_gradients`` (caught = some
block not passed) and to ``torch.autograd.gradcheck`` (torch 2.13.0, defaults eps=1e-6,
atol=1e-5, rtol=1e-3) through a custom autograd Function whose backward returns the mutant's
gradient:

* fast mode: the real ``gradcheck(..., fast_mode=True)`` for every mutant (the slow-mode re-run torch
  makes after a failure only to word its error message is skipped: :func:`_quiet_fast_mode`);
* slow mode: the real ``gradcheck(..., fast_mode=False)`` for every mutant at n = 32 (and once,
  for the timing, on the correct gradient at n = 64); at the larger sizes one call takes minutes,
  so its verdict is computed with its own criterion |a - num| <= atol + rtol |num| on one shared
  central-difference gradient (eps = 1e-6, the numerical Jacobian slow mode builds), labelled
  "emulated"; the n = 32 rows compare both.

Then 0 false alarms over ``--problems`` (1,000) correct gradients of a textbook BPTT, mixing
n in {8, 16, 32, 64, 128}, T in {20, 50, 100, 200} and the regimes small / sigma3 / saturated / long.
Run: ``python bench/bench_mutants.py [--quick] [--problems N] [--no-slow]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import time

from _common import median_time, np, torch_loss, workload

from rnnproof.numeric import datasets, mutants, usercheck
from rnnproof.numeric.engine import ElmanParams, PARAM_NAMES, loss

SIZES = ((32, 50), (64, 100), (128, 200))
ATOL, RTOL, EPS_GC = 1e-5, 1e-3, 1e-6


def _flat(g):
    return np.concatenate([np.asarray(g[k], dtype=np.float64).ravel() for k in PARAM_NAMES])


def _quiet_fast_mode():
    """torch's fast mode re-runs the whole slow mode after a failure only to word its error message
    (``_run_slow_mode_and_get_error``); with ``raise_exception=False`` the message is discarded, so that
    re-run is replaced by an empty message.  The verdict is unchanged; it would otherwise cost minutes per
    caught mutant at n >= 64."""
    import sys

    import torch.autograd.gradcheck  # noqa: F401
    sys.modules["torch.autograd.gradcheck"]._run_slow_mode_and_get_error = lambda *a, **k: ""


def _torch_check(p, xs, o, grad, fast):
    import torch
    f = torch_loss(p, xs, o)

    class Mut(torch.autograd.Function):
        @staticmethod
        def forward(ctx, theta):
            with torch.no_grad():
                return f(theta)

        @staticmethod
        def backward(ctx, gout):
            return gout * torch.tensor(grad)

    th = torch.tensor(p.flat(), requires_grad=True)
    return not torch.autograd.gradcheck(Mut.apply, (th,), raise_exception=False, fast_mode=fast)


def _numerical_gradient(p, xs, o):
    """Central differences with eps = 1e-6 on every coordinate: the Jacobian gradcheck's slow mode builds."""
    theta = p.flat()
    out = np.empty(theta.size)
    for i in range(theta.size):
        e = np.zeros(theta.size)
        e[i] = EPS_GC
        out[i] = (loss(ElmanParams.from_flat(theta + e, p), xs, o) - loss(ElmanParams.from_flat(theta - e, p), xs, o)) / (2 * EPS_GC)
    return out


def _word(flagged, want):
    return ("caught" if flagged else "missed") if want else ("FALSE ALARM" if flagged else "passed")


def _caught(p, xs, o, fn):
    rs = usercheck.check_gradients(fn, p, xs, o)
    return any(not r.passed for r in rs), rs


def size_rows(n, T, have_torch, slow):
    p, xs, o = workload(n=n, T=T, seed=7)
    h0 = np.zeros(n)
    print(f"\n### n = {n}, T = {T} (P = {p.size})\n", flush=True)
    num = None
    if have_torch and slow and n > 32:
        t0 = time.perf_counter()
        num = _numerical_gradient(p, xs, o)
        print(f"(shared central-difference gradient for the emulated slow mode: {time.perf_counter() - t0:.0f} s)")
    print("| gradient | rnnproof | deciding block(s) | torch fast | torch slow |\n| --- | --- | --- | --- | --- |")
    counts = {"rnnproof": 0, "fast": 0, "slow": 0}
    for name in ("correct",) + mutants.MUTANTS:
        fn = mutants.correct if name == "correct" else mutants.mutant(name)
        caught, rs = _caught(p, xs, o, fn)
        want = name != "correct"
        counts["rnnproof"] += caught == want
        blocks = ", ".join(r.quantity[4:] for r in rs if not r.passed) or "-"
        tf = ts = "-"
        if have_torch:
            g = fn(p.arrays(), xs, o, h0)
            shapes_ok = all(np.shape(g[k]) == getattr(p, k).shape for k in PARAM_NAMES)
            if not shapes_ok:  # torch cannot even take a wrongly shaped gradient: counts as caught
                tf = ts = "caught (shape)"
                counts["fast"] += want
                counts["slow"] += want
            else:
                gf = _flat(g)
                fast_c = _torch_check(p, xs, o, gf, True)
                counts["fast"] += fast_c == want
                tf = _word(fast_c, want)
                if slow:
                    if num is None:
                        slow_c = _torch_check(p, xs, o, gf, False)
                        ts = _word(slow_c, want)
                    else:
                        slow_c = bool(np.any(np.abs(gf - num) > ATOL + RTOL * np.abs(num)))
                        ts = _word(slow_c, want) + " (emulated)"
                    counts["slow"] += slow_c == want
        verdict = _word(caught, want)
        print(f"| {name} | {verdict} | {blocks} | {tf} | {ts} |", flush=True)
    total = len(mutants.MUTANTS) + 1
    print(f"\nright verdicts (caught mutants + passed correct), of {total}: rnnproof {counts['rnnproof']}"
          + (f", torch fast {counts['fast']}" + (f", torch slow {counts['slow']}" if slow else "") if have_torch else ""))
    return counts["rnnproof"] == total


def speed(have_torch, slow):
    p, xs, o = workload(n=64, T=100, seed=0)
    t_check, rs = median_time(lambda: usercheck.check_gradients(mutants.correct, p, xs, o), 5)
    print(f"\nfull elementwise check_gradients at n=64, T=100: {t_check * 1e3:.0f} ms (median of 5; target <= 500 ms); "
          f"verdicts {[r.verdict for r in rs]}; {rs[0].note}")
    if have_torch and slow:
        import torch
        tf = torch_loss(p, xs, o)
        th = torch.tensor(p.flat(), requires_grad=True)
        t0 = time.perf_counter()
        ok = torch.autograd.gradcheck(tf, (th,), fast_mode=False)
        t_slow = time.perf_counter() - t0
        print(f"torch {torch.__version__} gradcheck slow mode, same problem: {t_slow:.1f} s (passed={ok}); "
              f"ratio {t_slow / t_check:.0f}x (target >= 20x)")


def false_alarms(count):
    ns, Ts, regs = (8, 16, 32, 64, 128), (20, 50, 100, 200), datasets.CALIBRATION_REGIMES
    fails, undecided, worst, t0 = 0, 0, 0.0, time.perf_counter()
    for k in range(count):
        n, T, reg = ns[k % 5], Ts[(k // 5) % 4], regs[(k // 20) % 4]
        p, xs, o = datasets.calibration_problem(n, T, reg, rng=np.random.default_rng([k, 11]))
        rs = usercheck.check_gradients(mutants.correct, p, xs, o, seed=k)
        fails += any(r.verdict == "failed" for r in rs)
        undecided += any(r.verdict == "undecided" for r in rs)
        worst = max(worst, max(abs(r.derived - r.reference) / r.tolerance for r in rs if r.tolerance > 0))
        if (k + 1) % 200 == 0:
            print(f"  ... {k + 1}/{count}: {fails} false alarms, {undecided} undecided, worst err/tol {worst:.3g} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    print(f"false alarms over {count} correct textbook gradients (n in {ns}, T in {Ts}, regimes {regs}): {fails} "
          f"(target 0); undecided {undecided}; largest err/tol {worst:.3g}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="sizes up to n=64 and 100 correct problems")
    ap.add_argument("--problems", type=int, default=None)
    ap.add_argument("--no-slow", action="store_true", help="skip torch gradcheck slow mode")
    ap.add_argument("--only-false-alarms", action="store_true", help="only the correct-gradient sweep")
    ap.add_argument("--no-false-alarms", action="store_true", help="skip the correct-gradient sweep")
    args = ap.parse_args()
    if args.only_false_alarms:
        false_alarms(args.problems or 1000)
        return
    have_torch = importlib.util.find_spec("torch") is not None
    if have_torch:
        import torch
        torch.set_num_threads(1)
        _quiet_fast_mode()
    else:
        print("torch not installed (pip install torch==2.13.0): gradcheck columns skipped")
    ok = all([size_rows(n, T, have_torch, not args.no_slow) for n, T in (SIZES[:2] if args.quick else SIZES)])
    print(f"\nrnnproof: every mutant caught and every correct gradient passed at every size: {ok}")
    speed(have_torch, not args.no_slow)
    if not args.no_false_alarms:
        false_alarms(args.problems or (100 if args.quick else 1000))


if __name__ == "__main__":
    main()
