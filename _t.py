import time, json
t0 = time.process_time()
from rnnproof.derivations import registry
split = {}
for ident in registry.all_identities():
    s = time.process_time(); ident.derive(seed=0); split[ident.id] = time.process_time() - s
print(json.dumps({"cpu": time.process_time() - t0}))
for k, v in sorted(split.items(), key=lambda kv: -kv[1]): print(f"{k:32} {v:6.2f}")
