#!/usr/bin/env bash
# GPU check of the experiment pipeline at paper scale: a paper-profile sweep (ResNet18, 100/100/100 epochs) on
# Fashion-MNIST through `bual sweep`, Tables 1-2 and Figs. 6-7 from it through `bual experiment`, and Fig. 1
# replaying a paper-profile run to cycle 1 on the GPU, at the same time as the sweep.
# Run on a CUDA machine from the repository root: `bash benchmarks/gpu_experiments.sh OUT_DIR`
# (Fashion-MNIST where bual finds it, e.g. BUAL_DATA=folder with the four IDX files). Prints each step's time and
# the files it wrote; ends with ALL STEPS OK.
set -euo pipefail
out=${1:?usage: bash benchmarks/gpu_experiments.sh OUT_DIR}
cycles=${CYCLES:-2}
dataset=${DATASET:-fashion_mnist}
profile=${PROFILE:-paper}   # DATASET=digits PROFILE=cpu: a quick try of this script on a CPU
work=$(mktemp -d)   # the sweep and the replays; removed at the end
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
bual() { python3 -c 'from bual.cli import main; main()' "$@"; }
stamp() { date +%s.%N; }
took() { python3 -c "import sys; print(f'{sys.argv[1]}: {float(sys.argv[3]) - float(sys.argv[2]):.1f} s')" "$@"; }

python3 -c 'import torch; print(torch.__version__, torch.cuda.get_device_name() if torch.cuda.is_available() else "no CUDA device: CPU")'
cat > "$work/grid.yaml" <<EOF
grid:
  strategy: [random, b-margin]
fixed:
  dataset: $dataset
  openness: 0.6
  seed: 0
  profile: $profile
  cycles: $cycles
EOF

t0=$(stamp)
bual experiment fig1_confidence -p dataset $dataset -p profile $profile -p cycle 1 -p sweep '[]' \
     -p runs_root "$work/replays" -p out "$out" > "$out/fig1.log" 2>&1 &
fig1=$!
bual sweep "$work/grid.yaml" --out "$work/sweep" --workers 2
bual collect "$work/sweep"
took "$profile-profile sweep, 2 runs x $cycles cycles, 2 at once on one GPU" "$t0" "$(stamp)"
t1=$(stamp)
bual experiment tables -p dataset $dataset -p sources "[$work/sweep]" -p out "$out"
bual experiment fig6_fig7_curves -p dataset $dataset -p sources "[$work/sweep]" -p opennesses '[0.6]' \
     -p methods '[random, b-margin]' -p out "$out"
took "tables + fig6_fig7_curves from the sweep" "$t1" "$(stamp)"
wait $fig1 || { cat "$out/fig1.log"; exit 1; }
took "fig1_confidence, $profile profile, cycle 1 (replay + probe, beside the sweep)" "$t0" "$(stamp)"
cat "$out/fig1.log"
python3 - "$out" "$work/sweep" "$dataset" "$profile" <<'EOF'
import json, sys
from pathlib import Path
import pandas as pd
out, sweep, dataset, profile = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = pd.read_csv(sweep/'results.csv')
print(runs[["strategy", "cycle", "accuracy", "query_precision", "n_labeled_known", "time_total"]].to_string(index=False))
f1 = json.loads((out/f'fig1_confidence_{dataset}.json').read_text())
assert f1['profile'] == profile and f1['auroc_unknown_if_confident_neg'] is not None, f1
print(f"fig1: {f1['n']} examples, AUROC f_p {f1['auroc_unknown_if_confident_fp']:.3f}, P^- {f1['auroc_unknown_if_confident_neg']:.3f}")
for name in ('table1_{}.md', 'fig6_accuracy_{}.png', 'fig7_precision_{}.png', 'fig1_confidence_{}.png'):
    assert (out/name.format(dataset)).stat().st_size > 0, name
print((out/f'table1_{dataset}.md').read_text())
print('ALL STEPS OK')
EOF
