"""Time and extra peak memory of each method's selection on a paper-scale pool with synthetic model outputs.

`python benchmarks/select_bench.py` prints one row per method: seconds per selection and the extra peak
resident memory of the selection step (pool 50,000 candidates, K=80, 512-d features, b=1500, 21 snapshots
of P^-, 5,000 labeled examples). Each method runs in a fresh process, whose peak is reset (Linux
/proc/self/clear_refs) after the synthetic inputs are built, so the figure is the selection's alone.
Methods that train models of their own (LfOSA, CCAL, DIAS) are timed on their selection step given
synthetic outputs of those models (CCAL: 128-d semantic and 4 x 128-d distinctive features); their training
time is what the loop reports as time_strategy_models.
"""
import subprocess, sys, time
from pathlib import Path

METHODS = ['random', 'lc', 'margin', 'entropy', 'coreset', 'badge', 'lfosa', 'ccal', 'dias', 'b-lc', 'b-margin', 'b-entropy']
N, K, D, B, L, T = 50_000, 80, 512, 1500, 5_000, 21

def _status(key):
    for line in open('/proc/self/status'):
        if line.startswith(key): return int(line.split()[1]) / 1024

def one(method):
    import torch, torch.nn.functional as F
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bual.strategies import QueryContext, top_b
    from bual.registry import make_strategy
    from bual.baselines import mav_known_posterior
    from bual.ccal import ccal_scores, quota_select
    g = torch.Generator().manual_seed(0)
    soft = lambda n, k: (3 * torch.randn(n, k, generator=g)).softmax(1)
    cand = torch.arange(N)
    ctx = QueryContext(candidates=cand, p_pos=soft(N, K), p_unknown=torch.rand(N, generator=g), r=0.5,
                       labeled_idx=torch.arange(N, N + L), labeled_y=torch.randint(0, K, (L,), generator=g),
                       unknown_idx=torch.zeros(0, dtype=torch.long), generator=torch.Generator().manual_seed(1),
                       feat_cand=torch.randn(N, D, generator=g), feat_labeled=torch.randn(L, D, generator=g))
    snaps = [soft(N, K) for _ in range(T)]
    logits = 3 * torch.randn(N, K + 1, generator=g)
    sem_c, sem_k = torch.randn(N, 128, generator=g), torch.randn(L, 128, generator=g)
    dis_c, dis_l = torch.randn(N, 4, 128, generator=g), torch.randn(L, 4, 128, generator=g)
    strat = make_strategy(method)
    def run():
        if method == 'lfosa': return top_b(mav_known_posterior(logits.max(1).values, logits.argmax(1), K), B)
        if method == 'ccal':
            pseudo, _, score = ccal_scores(sem_c, sem_k, ctx.labeled_y, dis_c, dis_l, K)
            return quota_select(pseudo, score, K, B, ctx.generator)
        if method == 'dias': return top_b(logits.softmax(1)[:, :K].max(1).values, B)
        if strat.uses_rlnl:
            total = torch.zeros_like(snaps[0])
            for s in snaps: total += s
            ctx.p_neg = total / T
        return strat.select(ctx, B)
    open('/proc/self/clear_refs', 'w').write('5')       # reset the peak to the current resident size
    base = _status('VmRSS')
    t = time.perf_counter(); q = run(); dt = time.perf_counter() - t
    assert len(set(torch.as_tensor(q).tolist())) == B
    print(f"{method}\t{dt:.3f}\t{_status('VmHWM') - base:.0f}")

if __name__ == '__main__':
    if len(sys.argv) > 1: one(sys.argv[1]); sys.exit()
    print(f"selection on pool {N:,}, K={K}, {D}-d features, b={B}, {T} snapshots, {L:,} labeled")
    print(f"{'method':10} {'s/selection':>12} {'extra peak MB':>14}")
    for m in METHODS:
        p = subprocess.run([sys.executable, __file__, m], capture_output=True, text=True)
        if p.returncode: print(f"{m:10} FAILED: {p.stderr.strip().splitlines()[-1]}"); continue
        _, dt, mb = p.stdout.strip().split('\t')
        print(f"{m:10} {float(dt):>12.2f} {float(mb):>14.0f}", flush=True)
