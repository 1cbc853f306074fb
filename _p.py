from rnnproof.derivations import registry
from rnnproof.derivations.provenance import provenance
for iid in registry.all_ids():
    p = provenance(registry.get(iid))
    bad = [k for k, v in p.items() if v is None]
    print(iid, "OK" if not bad else f"MISSING {bad}", p if bad else "")
