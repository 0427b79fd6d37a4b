"""The oracle firewall holds by construction: nothing reachable from what a strategy receives leads to the ground truth.

The walk follows everything a strategy could follow in Python: attributes (`__dict__`, `__slots__`), containers,
closure cells, default arguments, bound methods' `__self__` and `__func__`, `functools.partial` parts, and the
module globals of bual's own functions and classes. It does not enter modules themselves (they are shared code:
`sys.modules` reaches everything in the interpreter), nor the internals of third-party classes.
"""
import functools, types
import numpy as np
import pytest
import torch
from bual.data import ImageData
from bual.loop import ActiveLearningRun
from bual.pools import Oracle
from bual.registry import STRATEGIES

QUICK = dict(dataset='digits', openness=0.6, cycles=3, epochs=2, aux_epochs=2, nl_epochs=5, progress=False)
_LEAVES = (str, bytes, int, float, complex, bool, type(None), torch.dtype, torch.device)

def _ours(obj) -> bool:
    return (getattr(obj, '__module__', None) or '').startswith('bual')

def _children(obj):
    "(step, object) for everything one step away from `obj` that Python code could follow."
    if isinstance(obj, dict):
        for k, v in obj.items(): yield '<key>', k; yield f'[{k!r}]', v
        return
    if isinstance(obj, (list, tuple, set, frozenset)): yield from ((f'[{i}]', v) for i, v in enumerate(obj)); return
    if isinstance(obj, (types.MethodType, types.BuiltinMethodType)):
        yield '.__self__', getattr(obj, '__self__', None); yield '.__func__', getattr(obj, '__func__', None); return
    if isinstance(obj, functools.partial): yield '.func', obj.func; yield '.args', obj.args; yield '.keywords', obj.keywords; return
    if isinstance(obj, types.FunctionType):
        for name, c in zip(obj.__code__.co_freevars, obj.__closure__ or ()):
            if _has_contents(c): yield f'<closure {name}>', c.cell_contents
        yield '.__defaults__', obj.__defaults__; yield '.__kwdefaults__', obj.__kwdefaults__
        yield '.__wrapped__', getattr(obj, '__wrapped__', None)
        if _ours(obj): yield from ((f'<global {k}>', v) for k, v in obj.__globals__.items())
        return
    if isinstance(obj, type):
        if _ours(obj): yield from ((f'.{k}', v) for k, v in vars(obj).items())
        return
    d = getattr(obj, '__dict__', None)
    if isinstance(d, dict): yield from ((f'.{k}', v) for k, v in d.items())
    for cls in type(obj).__mro__:
        for s in getattr(cls, '__slots__', ()):
            if isinstance(s, str) and hasattr(obj, s): yield f'.{s}', getattr(obj, s)
    yield '<type>', type(obj)

def _has_contents(cell):
    try: cell.cell_contents; return True
    except ValueError: return False

def leaks(roots, run:ActiveLearningRun) -> list:
    "Paths from `roots` to the oracle, the run, the data set's labels or any array sharing their memory."
    truth_np, truth_t = run.oracle._labels, run.data.y_train
    def forbidden(o):
        if isinstance(o, (Oracle, ActiveLearningRun, ImageData)): return type(o).__name__
        if isinstance(o, np.ndarray) and o.size and np.shares_memory(o, truth_np): return 'the oracle\'s label array'
        if isinstance(o, torch.Tensor) and o.device.type == truth_t.device.type and o.numel() and \
           o.untyped_storage().data_ptr() == truth_t.untyped_storage().data_ptr(): return 'the training labels'
        return None
    found, seen = [], set()
    stack = [(r, name) for name, r in roots.items()]
    while stack:
        obj, path = stack.pop()
        if id(obj) in seen or isinstance(obj, _LEAVES) or isinstance(obj, types.ModuleType): continue
        seen.add(id(obj))
        what = forbidden(obj)
        if what: found.append(f"{path} -> {what}"); continue
        if isinstance(obj, (np.ndarray, torch.Tensor)): continue
        stack.extend((child, path + step) for step, child in _children(obj))
    return found

def _capture_contexts(run):
    "Wrap the run's strategy so every context it is handed (the stop rule's too) is kept."
    seen, select = [], run.strategy.select
    def spy(ctx, b): seen.append(ctx); return select(ctx, b)
    run.strategy.select = spy
    return seen

@pytest.mark.parametrize('name', sorted(STRATEGIES))
def test_no_path_from_a_strategy_to_the_ground_truth(name):
    run = ActiveLearningRun(strategy=name, seed=0, nl_stop='stable', patience=1, **QUICK)
    contexts = _capture_contexts(run)
    run.step(); run.step()                        # the second cycle has f_aux, labeled unknowns and the stop rule's contexts
    assert contexts and run.pools.counts()['n_labeled_unknown'] > 0
    roots = {'strategy': run.strategy, **{f'context{i}': c for i, c in enumerate(contexts)}}
    assert leaks(roots, run) == []

def test_the_walk_finds_a_planted_path():
    "The walk is not blind: a context that holds a closure over the run, or a view of the labels, is caught."
    run = ActiveLearningRun(strategy='margin', seed=0, **QUICK)
    contexts = _capture_contexts(run)
    run.step()
    ctx = contexts[0]
    assert leaks({'ctx': ctx}, run) == []
    ctx.generator = (lambda: run.cfg)             # a closure cell holding the run
    assert any('ActiveLearningRun' in p for p in leaks({'ctx': ctx}, run))
    ctx.generator = [{'x': run.oracle._labels[5:]}]  # a view of the oracle's labels inside containers
    assert any('label array' in p for p in leaks({'ctx': ctx}, run))
    ctx.generator = run.oracle.is_known           # a bound method: its __self__ is the oracle
    assert any('Oracle' in p for p in leaks({'ctx': ctx}, run))
