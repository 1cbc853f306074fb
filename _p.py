import importlib
from rnnproof.derivations import provenance, registry
for iid in registry.IDS:
    m = importlib.import_module(f"rnnproof.derivations.catalogue.{iid}")
    miss = provenance.missing(m.IDENTITY)
    if miss: print(f'    "{iid}": frozenset({sorted(miss)!r}),')
