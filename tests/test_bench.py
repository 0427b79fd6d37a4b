"`bual bench --quick` runs every CPU measurement and writes the table as JSON."
import json
from conftest import bual

def test_bench_quick_writes_every_section(tmp_path):
    out = tmp_path/'bench.json'
    p = bual('bench', '--quick', '--out', out, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    res = json.loads(out.read_text())
    sections = {r['section'] for r in res['rows']}
    assert {'data path', 'training', 'scoring', 'selection', 'fashion cycle', 'bf16 scoring', 'summation order'} <= sections
    assert not any(r['name'].startswith('FAILED') for r in res['rows']), [r['name'] for r in res['rows'] if r['name'].startswith('FAILED')]
    for r in res['rows']:
        if r['ratio'] is not None: assert r['engine'] > 0 and r['reference'] > 0 and abs(r['ratio'] - r['engine'] / r['reference']) < 1e-9
    assert 'bual bench on' in p.stdout and 'data path' in p.stdout
    assert res['quick'] is True and res['device'] == 'cpu'

def test_bench_cuda_without_gpu_is_one_line_error(tmp_path):
    import torch
    if torch.cuda.is_available(): return
    p = bual('bench', '--device', 'cuda', '--out', tmp_path/'b.json')
    assert p.returncode == 2 and 'no CUDA GPU' in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path/'b.json').exists()
