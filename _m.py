import sys, numpy as np
from rnnproof.derivations import registry
from rnnproof.derivations.mutations import mutants
iid, k = sys.argv[1], int(sys.argv[2])
step = registry.get(iid).steps[k-1]
for name, m in mutants(step.claim):
    r = m.check(np.random.default_rng(k))
    print(name, "|", r.verdict, "|", r.detail[:150])
