"""Detection power: classic wrong BPTT implementations (issue 3, item 7).

Every mutant must be flagged by rnnproof (:func:`gradcheck.check_elman_gradient`); the
correct gradient must pass.  If torch is installed, the same gradients are fed to
``torch.autograd.gradcheck`` with its defaults (eps=1e-6, atol=1e-5, rtol=1e-3) through a
custom autograd Function, and the bench prints which mutants it misses.
Run: ``python bench/bench_mutants.py``.
"""

from __future__ import annotations

from _common import np, torch_loss, workload

from rnnproof.numeric import gradcheck
from rnnproof.numeric.engine import ElmanParams, bptt, forward


def _mutant_bptt(p, xs, o, which):
    tr = forward(p, xs)
    T = tr.T
    delta = tr.y[1:] - o
    dphi = 1 - tr.h[1:] ** 2
    if which == "sigma' used for tanh":
        s = 1 / (1 + np.exp(-tr.z[1:]))
        dphi = s * (1 - s)
    if which == "1 - h_{t-1}^2 for 1 - h_t^2":
        dphi = 1 - tr.h[:-1] ** 2
    G = delta @ p.W_yh
    R, carry = np.zeros_like(G), np.zeros(p.n)
    for t in range(T - 1, -1, -1):
        R[t] = dphi[t] * (G[t] + carry)
        if which == "transposed recurrent Jacobian":
            carry = p.W_hh @ R[t]
        elif which == "product limit off by one":  # one factor too many: diag(phi') applied twice
            carry = p.W_hh.T @ (dphi[t] * R[t])
        else:
            carry = p.W_hh.T @ R[t]
    Rg = R - dphi * G if which == "dropped immediate term" else R
    g = np.concatenate([(Rg.T @ tr.h[:-1]).ravel(), (Rg.T @ tr.x[1:]).ravel(), Rg.sum(0),
                        (delta.T @ tr.h[1:]).ravel(), delta.sum(0)])
    return g


def mutants(p, xs, o):
    _, g = bptt(p, xs, o)
    g = g.flat()
    out = {"correct": g.copy()}
    for name in ["transposed recurrent Jacobian", "product limit off by one", "sigma' used for tanh",
                 "1 - h_{t-1}^2 for 1 - h_t^2", "dropped immediate term"]:
        out[name] = _mutant_bptt(p, xs, o, name)
    p32 = ElmanParams(*(v.astype(np.float32) for v in p.arrays().values()), activation=p.activation)
    _, g32 = _bptt_float32(p32, xs.astype(np.float32), o.astype(np.float32))
    out["float32 accumulation"] = g32
    bad = g.copy()
    i = int(np.argmax(np.abs(bad)))
    bad[i] *= 1 + 1e-7
    out["1e-7 relative error in largest entry"] = bad
    return out


def _bptt_float32(p, xs, o):
    """The correct algorithm, accumulated in float32 (the engine itself always promotes)."""
    W, U, b, V, c = (np.asarray(v, np.float32) for v in p.arrays().values())
    T, n = xs.shape[0], W.shape[0]
    h, z = np.zeros((T + 1, n), np.float32), np.zeros((T + 1, n), np.float32)
    for t in range(1, T + 1):
        z[t] = W @ h[t - 1] + U @ xs[t - 1] + b
        h[t] = np.tanh(z[t])
    delta = h[1:] @ V.T + c - o
    dphi = 1 - h[1:] ** 2
    G = delta @ V
    R, carry = np.zeros_like(G), np.zeros(n, np.float32)
    for t in range(T - 1, -1, -1):
        R[t] = dphi[t] * (G[t] + carry)
        carry = W.T @ R[t]
    g = np.concatenate([(R.T @ h[:-1]).ravel(), (R.T @ xs).ravel(), R.sum(0), (delta.T @ h[1:]).ravel(), delta.sum(0)])
    return None, g.astype(np.float64)


def torch_flags(p, xs, o, grad):
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
    return not torch.autograd.gradcheck(Mut.apply, (th,), raise_exception=False)


def main():
    p, xs, o = workload(n=16, T=40, seed=7)
    p = p.with_(W_xh=p.W_xh * 0.3)
    print(f"workload: Elman tanh n={p.n} d={p.d} m={p.m} T={xs.shape[0]} P={p.size}")
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("torch not installed (pip install torch==2.13.0): gradcheck column skipped")
    missed_by_rnnproof, missed_by_torch = [], []
    for name, g in mutants(p, xs, o).items():
        r = gradcheck.check_elman_gradient(g, p, xs, o, seed=0)
        flagged = not r.passed
        tflag = torch_flags(p, xs, o, g) if have_torch else None
        want = name != "correct"
        if flagged != want:
            missed_by_rnnproof.append(name)
        if have_torch and tflag != want:
            missed_by_torch.append(name)
        print(f"{name:40s} rnnproof={'FLAGGED' if flagged else 'passed':8s} "
              f"(err {r.max_abs_err:.2e} vs tol {r.tolerance:.2e}, {r.method})"
              + (f"  torch gradcheck={'FLAGGED' if tflag else 'passed'}" if have_torch else ""))
    print(f"rnnproof wrong on: {missed_by_rnnproof or 'none'}")
    if have_torch:
        print(f"torch.autograd.gradcheck defaults wrong on: {missed_by_torch or 'none'}")


if __name__ == "__main__":
    main()
