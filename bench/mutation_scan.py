"""Scratch: run every mutant of every step of the given identities; print the survivors."""
import sys, time
import numpy as np
from rnnproof.derivations import registry
from rnnproof.derivations.mutations import mutants
from rnnproof.derivations.model import Verdict

ids = sys.argv[1:] or registry.all_ids()
tot = caught = 0
for iid in ids:
    ident = registry.get(iid)
    t0 = time.time(); c = n = 0
    for k, step in enumerate(ident.steps):
        for name, m in mutants(step.claim):
            n += 1
            try:
                r = m.check(np.random.default_rng(k))
                ok = r.verdict is Verdict.REFUTED
                why = r.verdict
            except Exception as e:
                ok, why = False, f"CRASH {type(e).__name__}: {str(e)[:100]}"
            c += ok
            if not ok:
                print(f"  SURVIVOR {iid} step {k+1} {name}: {why}")
    tot += n; caught += c
    print(f"{iid}: {c}/{n} caught ({time.time()-t0:.1f}s)", flush=True)
print(f"TOTAL {caught}/{tot}")
