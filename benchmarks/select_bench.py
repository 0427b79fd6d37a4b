"""Time and extra peak memory of each method's selection on a paper-scale pool with synthetic model outputs.

`python benchmarks/select_bench.py` prints one row per method: seconds per selection and the extra peak
resident memory of the selection step (pool 50,000 candidates, K=80, 512-d features, b=1500, 21 snapshots
of P^-, 5,000 labeled examples). Each method runs in a fresh process, whose peak is reset (Linux
/proc/self/clear_refs) after the synthetic inputs are built, so the figure is the selection's alone.
Methods that train models of their own (LfOSA, CCAL, DIAS, EAOA, MQNet) are timed on their selection step
given synthetic outputs of those models (CCAL: 128-d semantic and 4 x 128-d distinctive features; EAOA: the
detector's logits and 128-d features, a tenth of the labeled examples unknown; EOAL: the binary heads'
probabilities, 128-d features and K unknown-cluster centres, FINCH over the candidates included; MQNet: 128-d CSI projections,
and its meta-network trained on a synthetic last query of b examples, which is part of its selection);
their training time is what the loop reports as time_strategy_models.
"""
import subprocess, sys, time
from pathlib import Path

METHODS = ['random', 'lc', 'margin', 'entropy', 'coreset', 'badge', 'lfosa', 'ccal', 'dias', 'b-lc', 'b-margin', 'b-entropy', 'eaoa', 'eoal', 'mqnet']
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
        if method == 'eaoa':
            from bual.eaoa import detector_energy, rknn_energy, gmm_posterior, aleatoric, eaoa_select
            y_lab = torch.where(torch.arange(L) % 10 == 0, K, ctx.labeled_y)
            clean = gmm_posterior(detector_energy(logits, K), False) * gmm_posterior(rknn_energy(sem_k, y_lab, sem_c, K), False)
            return eaoa_select(ctx.p_pos.argmax(1), clean, gmm_posterior(aleatoric(ctx.p_pos), True), K, B, 5, ctx.generator)
        if method == 'eoal':
            from bual.eoal import closed_set_entropy, open_set_entropy, eoal_select
            p_ova = torch.rand(N, 1, K, generator=g); p_ova = torch.cat([1 - p_ova, p_ova], 1)
            score = closed_set_entropy(p_ova) - open_set_entropy(sem_c, sem_k[:K])
            return eoal_select(score, logits.argmax(1) < K, sem_c, B)
        if method == 'mqnet':
            from bual.mqnet import purity, standardize, train_querynet
            inf, pur = 1 - ctx.p_pos.max(1).values, purity(sem_c, sem_k)
            phi = train_querynet(torch.randn(B, 2, generator=g).exp(), torch.rand(B, generator=g), gen=torch.Generator().manual_seed(2))
            with torch.no_grad(): return top_b(phi(torch.stack([standardize(inf), standardize(pur)], 1)).flatten(), B)
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
