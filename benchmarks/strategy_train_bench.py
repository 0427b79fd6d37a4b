"""Training time of the strategies that train models of their own, at the CPU profile.

`python benchmarks/strategy_train_bench.py [dataset]` (default fashion_mnist, openness 0.6, seed 0) prints:
- DIAS: one cycle's training (classifier, Copycat, GAN; `aux_epochs` epochs) on a labeled known set the
  size of the first cycle's and of the last cycle's (initial labels plus every query known);
- CCAL: its once-per-experiment work: both contrastive encoders on the whole pool and the pool's
  10-view features;
- LfOSA: one cycle's (K+1)-way detector on the same two labeled sizes.
The labeled sets are drawn from the known-class training examples with the oracle (timing only).
"""
import sys, time
import numpy as np
import torch

def main(dataset='fashion_mnist'):
    from bual.loop import ActiveLearningRun, CycleTrainer
    from bual.dias import train_dias
    from bual.ccal import CCAL
    from bual.baselines import MAVHead
    run = ActiveLearningRun(dataset=dataset, strategy='random', openness=0.6, seed=0, progress=False)
    c, K = run.cfg, run.K
    tr = CycleTrainer(run.train_data, c, run.data.image_shape, 0)
    labels = run.oracle.label(np.arange(len(run.oracle)))
    known = np.flatnonzero(labels < K)
    first = len(run.pools.labeled_known())
    sizes = (first, min(len(known), first + c.cycles * c.budget))
    print(f"{dataset}, CPU profile ({c.model}, aux_epochs {c.aux_epochs}), {torch.get_num_threads()} threads, pool {tr.pool_size:,}, K={K}")
    rng = np.random.default_rng(0)
    for n in sizes:
        idx = np.sort(rng.choice(known, n, replace=False))
        y = torch.as_tensor(labels[idx]); idx = torch.as_tensor(idx)
        t = time.perf_counter(); train_dias(tr, idx, y, K, c.aux_epochs); dias_s = time.perf_counter() - t
        t = time.perf_counter(); tr.fit(K + 1, idx, y, purpose='lfosa', head=MAVHead); lfosa_s = time.perf_counter() - t
        print(f"labeled known {n:,}: DIAS {dias_s:.1f} s per cycle, LfOSA detector {lfosa_s:.1f} s per cycle", flush=True)
    t = time.perf_counter(); CCAL().pool_features(tr)
    print(f"CCAL encoders + pool features, once per experiment: {time.perf_counter() - t:.0f} s", flush=True)

if __name__ == '__main__': main(*sys.argv[1:])
