# SPDX-License-Identifier: GPL-2.0
"""ttmh bench: shrink and restore throughput of the TTM shrinker, for each
TTM backup backend side by side, against the kernel's own
anonymous-memory reclaim.

Boots the non-debug VM kernel (TCG, 512 MiB RAM) and runs
guest/tests/bench there, twice:

  disk  1536 MiB swap on a virtio disk; every arm --reps times (default
        3), interleaved, both backends in every round (the order of arms
        and of backends alternates per round); then the vm.page-cluster
        experiment;
  zram  1024 MiB of zram swap (compressed in guest RAM, content made
        compressible, vttm-work --compressible), fewer rounds
        (--zram-reps, 2) of smaller arms (--zram-mib, 128 MiB): the
        shrink, restore, pressure and page-cluster arms.

The backends are selected in the guest through ttm.backup_backend
(/sys/module/ttm/parameters/backup_backend), written before each arm's
objects are populated:

  copy    the shmem backend that copies each page into an unlinked shmem
          file (the series' first backend);
  insert  the TTM pages themselves handed to shmem, no copy; pages it
          cannot insert are copied (insert_fallback).

From the TTMH-BENCH lines this computes, per arm and backend, median,
min and max:

  shrink   MiB/s moved out by the pressure of an mlocked hog: buffer
           objects (the shrinker) vs anonymous memory of the same size;
           the hog's time minus its time alone (hog0) is the reclaim cost
  restore  MiB/s brought back: objects through the CPU fault path and
           through "GPU use" (validate), vs anonymous swap-in; the verify
           time minus the same verify all resident (the check's own cost)
  populate create + populate + free, device opted in vs not, no pressure
  scan     max and p99 of the duration of one scan_objects call, during
           the shrink arms of each backend, and with 10 000 small objects
  pressure the demo's hog (no mlock) next to idle objects vs idle
           anonymous memory of the same size: time, OOM kills
  page-cluster  the restore arms again with vm.page-cluster 0 and 3

The anonymous arms do not depend on the backend: they run once per round
and both backends are compared against the same figures. The figures of
each backend go to docs/results.json ("backends": {"copy": ...,
"insert": ...}); the top-level shrink_ratio, restore_ratio and
scan_max_ms are those of the best backend ("best_backend"). It also
writes docs/bench.png (gnuplot) and docs/RESULTS.md. The ratios are the
figures to compare, not the MiB/s of an emulated machine.

Then, unless --no-profile, a profile: the same kernel with
tools/bench-profile.patch (timers around each step of backing up and
restoring a page, in debugfs ttm/shrinker) is built in
build/out/x86-profile, with the patch applied to build/linux only during
that build, and one round of the shrink arms of both backends runs on
it: where each backend's time per page goes.

The bench fails (after writing the docs) if a guest test failed, an arm
lost data, a backend could not be selected (no ttm.backup_backend
parameter: "missing"), or an insert arm inserted nothing.
"""

import dataclasses
import datetime
import json
import os
import shutil
import statistics
import subprocess
from typing import Dict, List, Tuple

from . import demo, proc, series, settings, vm

DOCS = settings.DOCS
BACKENDS = ('copy', 'insert')
RUN = vm.VmRun('bench', ('bench',))
ZRAM_RUN = vm.VmRun('bench-zram', ('bench',), swapdev='zram', swap=1024)
RAM, SWAP = RUN.ram, RUN.swap

# The targets (issue 12). Every backend: populate, scan latency,
# pressure; shrink and restore per backend: inserting the pages must at
# least match anonymous memory's swap-out, copying them may cost 10%.
COMMON_TARGETS = {
    'populate_ratio': ('>=', 0.98),
    'scan_max_ms': ('<=', 10.0),
    'many_scan_max_ms': ('<=', 10.0),
    'pressure_oom_kills': ('<=', 0),
    'pressure_time_ratio': ('<=', 1.1),
}
TARGETS = {
    'copy': dict({'shrink_ratio': ('>=', 0.9),
                  'restore_ratio': ('>=', 0.9)}, **COMMON_TARGETS),
    'insert': dict({'shrink_ratio': ('>=', 1.0),
                    'restore_ratio': ('>=', 0.9)}, **COMMON_TARGETS),
}

# debugfs values that are levels, not counters: their deltas mean
# nothing. So are maxima (every key with "_max": scan_max_us, the
# profile's chunk_max_ns, backup_max_pages, ...).
GAUGES = ('shrinkable_pages', 'purgeable_pages', 'swap_avail_pages',
          'writeback_pending_pages')


def gauge(key):
    # sprof.*: the profile's record of the longest scan, all of a piece.
    return key in GAUGES or '_max' in key or key.startswith('sprof.')


# --------------------------------------------------------------------------
# what runs, and how long it takes

# The experiments after the rounds: their arm, and the key of the setting
# each row carries (vm.page-cluster; ttm.restore_readahead_kb).
EXPERIMENTS = {'pc': 'page_cluster', 'ra': 'readahead_kb'}
EXPERIMENTS_ARMS = tuple(EXPERIMENTS)


@dataclasses.dataclass(frozen=True)
class Cfg:
    """One boot of guest/tests/bench: its ttmh.* command line."""
    reps: int = 3
    mib: int = 256
    backends: Tuple[str, ...] = BACKENDS
    arms: Tuple[str, ...] = ('swap', 'churn', 'pressure', 'many', 'pc',
                             'ra')
    pc_mib: int = 128
    pc_reps: int = 1

    def cmdline(self):
        return ('ttmh.reps=%d ttmh.bench_mib=%d ttmh.backends=%s '
                'ttmh.arms=%s ttmh.pc_mib=%d ttmh.pc_reps=%d' % (
                    self.reps, self.mib, ','.join(self.backends),
                    ','.join(self.arms), self.pc_mib, self.pc_reps))


# Seconds per arm under TCG on the project's 2-core host, from the run of
# 2026-11-28: 557 s for 5 rounds of hog0 + 3 swap arms of 256 MiB + 4
# churn + 2 pressure arms (these constants give 590 s for it). The many
# arm (10 000 objects created, scanned, verified) had not run then: 25 s
# is a guess. A swap arm: fill, push out, verify, verify again, scaled
# by its size.
EST = {'boot': 15, 'end': 10, 'hog0': 3, 'swap_fixed': 4,
       'swap_per_mib': 16 / 256, 'churn': 5, 'pressure': 15, 'many': 25}
# Building the kernels: the non-debug kernel is up to date (make bench
# after make test), about a minute to check and pack the initramfs; the
# profile kernel (build/out/x86-profile) took about 7.5 min cold with an
# empty ccache (README), much less with a warm one.
BUILD_SECONDS = 60 + 450


def swap_arm_seconds(mib):
    return EST['swap_fixed'] + EST['swap_per_mib'] * mib


def estimate(cfg):
    """Expected seconds of one VM run of cfg."""
    nb = len(cfg.backends)
    has = set(cfg.arms)
    rnd = EST['hog0']
    if 'swap' in has:
        rnd += (1 + 2 * nb) * swap_arm_seconds(cfg.mib)
    if 'churn' in has:
        rnd += (2 + 2 * nb) * EST['churn']
    if 'pressure' in has:
        rnd += (1 + nb) * EST['pressure']
    if 'many' in has:
        rnd += nb * EST['many']
    pc = 0
    for exp in ('pc', 'ra'):
        if exp in has:
            pc += cfg.pc_reps * 2 * (1 + 2 * nb) * swap_arm_seconds(
                cfg.pc_mib)
    return round(EST['boot'] + cfg.reps * rnd + pc + EST['end'])


def plan(args):
    """[(what, VmRun, Cfg)] of make bench with these options."""
    backends = tuple(b for b in args.backends.split(',') if b)
    disk = Cfg(reps=args.reps, mib=args.mib, backends=backends,
               pc_mib=args.pc_mib)
    runs = [('disk', RUN, disk)]
    if not args.no_zram:
        runs.append(('zram', ZRAM_RUN, Cfg(
            reps=args.zram_reps, mib=args.zram_mib, backends=backends,
            arms=('swap', 'pressure', 'pc'), pc_mib=args.zram_mib)))
    out = []
    for what, run, cfg in runs:
        out.append((what, dataclasses.replace(
            run, cmdline=cfg.cmdline(), timeout=300 + 2 * estimate(cfg)),
            cfg))
    if not args.no_profile:
        out.append(('profile',) + profile_plan(args))
    return out


def estimate_text(args):
    lines, total = [], 0
    for what, run, cfg in plan(args):
        s = estimate(cfg)
        total += s
        lines.append('  %-8s %4d s  (%d rounds of %d MiB, backends %s, '
                     'arms %s; timeout %d s)' % (
                         what, s, cfg.reps, cfg.mib, ','.join(cfg.backends),
                         ','.join(cfg.arms), run.timeout))
    build = BUILD_SECONDS if not args.no_profile else 60
    lines.append('  VM time %d s (%.1f min); with the kernel builds (at most '
                 '%d s) %.1f min' % (total, total / 60.0, build,
                                     (total + build) / 60.0))
    return '\n'.join(lines), total + build


# --------------------------------------------------------------------------
# the channel's TTMH-BENCH lines

@dataclasses.dataclass
class Parsed:
    rows: List[Tuple[str, Dict[str, str]]] = dataclasses.field(
        default_factory=list)
    scans: Dict[str, List[int]] = dataclasses.field(default_factory=dict)
    many: Dict[str, List[int]] = dataclasses.field(default_factory=dict)
    counters: List[Dict[str, str]] = dataclasses.field(default_factory=list)


def parse(ch):
    """TTMH-BENCH channel lines (a channel.Channel, or the lines without
    uptime and kind) -> Parsed: (arm, {key: value}) rows, the scan
    durations (ns) of the swap arms and of the many-objects arm per
    backend ("anon" for the anonymous arms), the counters lines.

    Lines of the one-backend format (before the backends: "scan-ns N N",
    no backend=) are read as the copy backend's."""
    p = Parsed()
    lines = ch.words('BENCH') if hasattr(ch, 'words') else ch
    for ln in lines:
        words = ln.split()
        if not words:
            continue
        if words[0] in ('scan-ns', 'many-ns'):
            group, values = 'copy', words[1:]
            if values and not values[0].isdigit():
                group, values = values[0], values[1:]
            (p.scans if words[0] == 'scan-ns' else p.many).setdefault(
                group, []).extend(int(w) for w in values)
            continue
        d = dict(w.split('=', 1) for w in words[1:] if '=' in w)
        if words[0] == 'counters':
            p.counters.append(d)
        else:
            p.rows.append((words[0], d))
    return p


def backend_of(arm, d):
    """The backend of a row: its backend=, or for the one-backend format
    copy for the arms of objects and none for the others."""
    if 'backend' in d:
        return d['backend']
    if arm in ('swap',) + EXPERIMENTS_ARMS:
        return 'none' if d.get('kind') == 'anon' else 'copy'
    if arm == 'pressure':
        return 'none' if d.get('kind') == 'anon' else 'copy'
    if arm == 'churn':
        return 'copy' if d.get('shrink') == '1' else 'none'
    if arm == 'many':
        return 'copy'
    return 'none'


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def count(v):
    """An integer counter, None for "none" or nothing."""
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {'median': statistics.median(values), 'min': min(values),
            'max': max(values), 'n': len(values)}


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def ms(values, p=None):
    """The longest (or the p-th percentile) of durations in ns, in ms."""
    if not values:
        return None
    return round((max(values) if p is None else percentile(values, p)) /
                 1e6, 3)


def counter_deltas(counters):
    """{backend ("anon" for none): {key: sum of deltas}} from the counters
    lines: each line's change since the line before belongs to the arm
    it follows."""
    out, prev = {}, None
    for d in counters:
        cur = {}
        for k, v in d.items():
            if k in ('arm', 'kind', 'backend', 'rep') or gauge(k):
                continue
            c = count(v)
            if c is not None:
                cur[k] = c
        if prev is not None:
            b = d.get('backend', 'none')
            acc = out.setdefault('anon' if b == 'none' else b, {})
            for k, v in cur.items():
                if k in prev:
                    acc[k] = acc.get(k, 0) + v - prev[k]
        prev = cur
    return out


def intdict(d):
    """Guest strings that are numbers as numbers."""
    out = {}
    for k, v in d.items():
        c = count(v)
        out[k] = c if c is not None and str(c) == v else v
    return out


# --------------------------------------------------------------------------
# figures

def arm_name(arm, d):
    """"swap kind=bo-fault rep=2", to name an arm in a failure."""
    return ' '.join([arm] + ['%s=%s' % (k, d[k]) for k in (
        'kind', 'shrink', 'rep', 'page_cluster', 'readahead_kb') if k in d])


def compute(p, want=None):
    """Figures per backend, the shared anonymous arms, the best backend,
    the page-cluster table, and every failure, from a Parsed."""
    rows = p.rows
    setup = next((d for a, d in rows if a == 'setup'), {})
    params = {d.get('name'): d for a, d in rows if a == 'backend'}
    want = list(want or [d.get('name') for a, d in rows if a == 'backend']
                or ['copy'])
    hog0 = {d['rep']: num(d.get('hog_s')) for a, d in rows if a == 'hog0'}
    arms = {b: {} for b in ['anon'] + want}
    fails = {b: [] for b in ['anon'] + want}
    lost = {b: 0 for b in ['anon'] + want}
    inserted = {b: {} for b in want}
    fallback = {b: {} for b in want}
    exps = {arm: {} for arm in EXPERIMENTS_ARMS}

    def bucket(b):
        b = 'anon' if b == 'none' else b
        if b not in arms:
            arms[b], fails[b], lost[b] = {}, [], 0
        return b

    def add(b, name, value):
        arms[bucket(b)].setdefault(name, []).append(value)

    def check_intact(b, arm, d):
        it = d.get('intact', '0/0').split('/')
        if len(it) != 2 or it[0] != it[1] or d.get('rc') != '0':
            b = bucket(b)
            lost[b] += 1
            fails[b].append('%s lost data: intact=%s rc=%s' % (
                arm_name(arm, d), d.get('intact'), d.get('rc')))

    def check_backend(b, arm, d, backed_up):
        """An insert arm that backed up pages inserted some; a copy arm
        none (else the parameter did not select it)."""
        if b == 'none':
            return
        ins, fb = count(d.get('inserted')), count(d.get('insert_fallback'))
        key = arm if arm != 'swap' else 'swap.' + d.get('kind', '?')
        if b in inserted:
            if ins is not None:
                inserted[b][key] = inserted[b].get(key, 0) + ins
            if fb is not None:
                fallback[b][key] = fallback[b].get(key, 0) + fb
        if b == 'insert' and backed_up and not ins:
            fails[bucket(b)].append(
                '%s: inserted=%s of %d pages backed up: the insert backend '
                'inserted nothing' % (arm_name(arm, d), d.get('inserted'),
                                      backed_up))
        if b == 'copy' and ins:
            fails[bucket(b)].append(
                '%s: inserted=%d with the copy backend: the parameter did '
                'not select it' % (arm_name(arm, d), ins))

    for arm, d in rows:
        b = backend_of(arm, d)
        if arm in ('swap',) + EXPERIMENTS_ARMS:
            kind, rep = d.get('kind', '?'), d.get('rep')
            out, back = num(d.get('out_mib')), num(d.get('back_mib'))
            hog_s, base = num(d.get('hog_s')), hog0.get(rep)
            vs, rvs = num(d.get('verify_s')), num(d.get('reverify_s'))
            check_intact(b, arm, d)
            bu = count(d.get('backed_up'))
            if bu is None and out and kind != 'anon':
                bu = int(out * settings.PAGES_PER_MIB)
            check_backend(b, arm, d, bu)
            restore = None
            if back and vs and rvs is not None and vs > rvs:
                restore = back / (vs - rvs)
            if arm in EXPERIMENTS:
                key = 'anon' if kind == 'anon' else '%s.%s' % (b, kind)
                exps[arm].setdefault(d.get(EXPERIMENTS[arm], '?'),
                                     {}).setdefault(key, []).append(restore)
                continue
            group = 'anon' if kind == 'anon' else 'bo'
            if out and hog_s and base is not None and hog_s > base:
                add(b, 'shrink.' + group, out / (hog_s - base))
            if out and hog_s:
                add(b, 'shrink_gross.' + group, out / hog_s)
            add(b, 'restore.' + kind, restore)
            add(b, 'out_mib.' + group, out)
            add(b, 'back_mib.' + kind, back)
            add(b, 'scan_overrun', num(d.get('overrun')))
        elif arm == 'churn':
            add(b, 'populate.shrink%s' % d.get('shrink'), num(d.get('mib_s')))
        elif arm == 'pressure':
            kind = d.get('kind')
            group = 'anon' if kind == 'anon' else 'bo'
            add(b, 'pressure_s.' + group, num(d.get('hog_s')))
            add(b, 'pressure_oom.' + group, num(d.get('oom_kills')))
            add(b, 'pressure_done.' + group,
                1.0 if d.get('hog') == 'completed' else 0.0)
            check_intact(b, arm, d)
            check_backend(b, arm, d, count(d.get('backed_up')))
        elif arm == 'many':
            add(b, 'many_backed_up', num(d.get('backed_up')))
            check_intact(b, arm, d)
            check_backend(b, arm, d, count(d.get('backed_up')))

    st = {b: {k: stats(v) for k, v in a.items()} for b, a in arms.items()}
    anon = st['anon']

    def med(s, k):
        return s[k]['median'] if s.get(k) else None

    def ratio(a, b):
        return round(a / b, 3) if a and b else None

    deltas = counter_deltas(p.counters)
    res_b = {}
    for b in want:
        s = st.get(b, {})
        r_fault = ratio(med(s, 'restore.bo-fault'), med(anon, 'restore.anon'))
        r_val = ratio(med(s, 'restore.bo-validate'),
                      med(anon, 'restore.anon'))
        restore = [r for r in (r_fault, r_val) if r is not None]
        scans, many = p.scans.get(b, []), p.many.get(b, [])
        param = params.get(b, {}).get('param')
        if b in params and not (param == 'ok' or (
                b == 'copy' and param == 'missing')):
            fails[b].insert(0, 'ttm.backup_backend param=%s%s: the kernel '
                            'cannot select %s, its arms did not run' % (
                                param, ' value=%s' % params[b]['value']
                                if 'value' in params[b] else '', b))
        elif not any(backend_of(a, d) == b for a, d in rows):
            fails[b].append('no arm of backend %s ran' % b)
        ins = inserted[b]
        res = {
            'param': param,
            'shrink_ratio': ratio(med(s, 'shrink.bo'),
                                  med(anon, 'shrink.anon')),
            'shrink_gross_ratio': ratio(med(s, 'shrink_gross.bo'),
                                        med(anon, 'shrink_gross.anon')),
            'restore_ratio': min(restore) if restore else None,
            'restore_fault_ratio': r_fault,
            'restore_validate_ratio': r_val,
            'populate_ratio': ratio(med(s, 'populate.shrink1'),
                                    med(anon, 'populate.shrink0')),
            'scan_max_ms': ms(scans),
            'scan_p99_ms': ms(scans, 99),
            'scan_count': len(scans),
            'scan_overrun': int(sum(v for v in arms.get(b, {}).get(
                'scan_overrun', []) if v)),
            'many_scan_max_ms': ms(many),
            'many_scan_p99_ms': ms(many, 99),
            'many_scan_median_ms': round(statistics.median(many) / 1e6, 3)
            if many else None,
            'many_scan_count': len(many),
            'many_objects': next((int(d['objects']) for a, d in rows
                                  if a == 'many' and 'objects' in d and
                                  backend_of(a, d) == b), None),
            'pressure_oom_kills': oom_sum(arms.get(b, {}).get(
                'pressure_oom.bo')),
            'pressure_time_ratio': ratio(med(s, 'pressure_s.bo'),
                                         med(anon, 'pressure_s.anon')),
            'inserted': sum(ins.values()) if ins else None,
            'insert_fallback': sum(fallback[b].values())
            if fallback[b] else None,
            'inserted_by_arm': ins,
            'insert_fallback_by_arm': fallback[b],
            'pages_lost': lost[b],
            'failures': fails[b],
            'counters': deltas.get(b, {}),
            'arms': {k: {kk: round(vv, 3) for kk, vv in v.items()}
                     for k, v in s.items() if v},
        }
        res['targets'] = targets(b, res)
        met = [t['met'] for t in res['targets'].values()]
        res['targets_met'] = sum(1 for m in met if m)
        res['targets_total'] = len(met)
        res_b[b] = res

    out = {
        'backends': res_b,
        'anon': {
            'arms': {k: {kk: round(vv, 3) for kk, vv in v.items()}
                     for k, v in anon.items() if v},
            'pressure_oom_kills': oom_sum(arms['anon'].get(
                'pressure_oom.anon')),
            'scan_count': len(p.scans.get('anon', [])),
            'pages_lost': lost['anon'],
            'failures': fails['anon'],
            'counters': deltas.get('anon', {}),
        },
        'page_cluster': page_cluster(exps['pc'], want),
        'readahead': page_cluster(exps['ra'], want),
        'setup': intdict(setup),
        'pages_lost': sum(lost.values()),
    }
    out['failures'] = ['%s: %s' % (b, f) for b in ['anon'] + want
                       for f in fails[b]]
    out['failures'] += ['%s: %s' % (b, f) for b in fails
                        if b not in want and b != 'anon' for f in fails[b]]
    best = best_backend(res_b)
    out['best_backend'] = best
    top = res_b.get(best, {})
    for k in ('shrink_ratio', 'restore_ratio', 'restore_fault_ratio',
              'restore_validate_ratio', 'scan_max_ms', 'scan_p99_ms',
              'many_scan_max_ms', 'populate_ratio', 'pressure_time_ratio',
              'pressure_oom_kills'):
        out[k] = top.get(k)
    out['targets'] = {b: r['targets'] for b, r in res_b.items()}
    return out


def oom_sum(values):
    """OOM kills of the pressure arms; None if none ran."""
    if not values:
        return None
    return int(sum(v for v in values if v))


def targets(backend, res):
    out = {}
    for k, (op, t) in TARGETS.get(backend, TARGETS['copy']).items():
        v = res.get(k)
        met = None if v is None else (v >= t if op == '>=' else v <= t)
        out[k] = {'target': '%s %s' % (op, t), 'met': met}
    return out


def best_backend(res_b):
    """The backend without failures that meets the most targets; among
    those, the higher of min(shrink ratio, restore ratio). None if no
    backend reported figures."""
    def key(item):
        name, r = item
        ratios = [v for v in (r.get('shrink_ratio'), r.get('restore_ratio'))
                  if v is not None]
        return (not r['failures'], r['targets_met'],
                min(ratios) if ratios else 0.0)
    cands = [(b, r) for b, r in res_b.items()
             if r.get('shrink_ratio') is not None or
             r.get('restore_ratio') is not None]
    if not cands:
        return None
    return max(cands, key=key)[0]


def page_cluster(pc, want):
    """{setting: {arm: stats, ..., 'ratios': {backend.kind: r}}}: an
    experiment's restore arms per setting (page_cluster or
    readahead_kb)."""
    out = {}
    for val, arms in pc.items():
        st = {k: stats(v) for k, v in arms.items()}
        a = st.get('anon')
        entry = {k: {kk: round(vv, 3) for kk, vv in v.items()}
                 for k, v in st.items() if v}
        entry['ratios'] = {}
        for b in want:
            for kind in ('bo-fault', 'bo-validate'):
                s = st.get('%s.%s' % (b, kind))
                if s and a and a['median']:
                    entry['ratios']['%s.%s' % (b, kind)] = round(
                        s['median'] / a['median'], 3)
        out[val] = entry
    return out


# --------------------------------------------------------------------------
# tables, plot, RESULTS.md

ROWS = [
    # label, baseline arm (anonymous, or the 6.12 path), backend arm, unit
    ('shrink: to swap', 'shrink.anon', 'shrink.bo', 'MiB/s'),
    ('restore: CPU fault path', 'restore.anon', 'restore.bo-fault', 'MiB/s'),
    ('restore: validate path', 'restore.anon', 'restore.bo-validate',
     'MiB/s'),
    ('populate: opt-in (base: off)', 'populate.shrink0', 'populate.shrink1',
     'MiB/s'),
    ('pressure: hog time', 'pressure_s.anon', 'pressure_s.bo', 's'),
]

PLOT_LABELS = {
    'shrink.bo': 'shrink',
    'restore.bo-fault': 'restore\\nfault path',
    'restore.bo-validate': 'restore\\nvalidate path',
    'populate.shrink1': 'populate\\n(base: opt-in off)',
}

FIGURES = [
    ('shrink_ratio', 'shrink, objects / anonymous'),
    ('shrink_gross_ratio', '  same, incl. the hog\'s own faults'),
    ('restore_ratio', 'restore, objects / anonymous (lower path)'),
    ('restore_fault_ratio', '  CPU fault path'),
    ('restore_validate_ratio', '  validate path'),
    ('populate_ratio', 'populate, opt-in on / off'),
    ('scan_max_ms', 'longest scan (shrink arms), ms'),
    ('scan_p99_ms', '  p99'),
    ('scan_count', '  scans traced'),
    ('scan_overrun', '  trace events lost (overrun)'),
    ('many_scan_max_ms', 'longest scan, 10 000 objects, ms'),
    ('many_scan_p99_ms', '  p99'),
    ('many_scan_median_ms', '  median'),
    ('pressure_oom_kills', 'pressure, OOM kills with the shrinker'),
    ('pressure_time_ratio', 'pressure, hog time objects / anonymous'),
    ('inserted', 'pages inserted without a copy'),
    ('insert_fallback', 'pages copied (insertion refused)'),
]

MET = {True: 'yes', False: 'NO', None: '?'}


def view(res):
    """(anonymous arms, {backend: figures}) of a result, also of a
    docs/results.json of the one-backend format."""
    if isinstance(res.get('backends'), dict):
        return res.get('anon', {}).get('arms', {}), res['backends']
    arms = res.get('arms', {})
    anon = {k: v for k, v in arms.items() if k.endswith(('.anon', 'shrink0'))}
    old = dict(res, arms={k: v for k, v in arms.items() if k not in anon},
               failures=[])
    return anon, {'copy': old}


def cell(s):
    if not s:
        return '-'
    return '%.1f (%.1f-%.1f)' % (s['median'], s['min'], s['max'])


def value(v):
    if v is None:
        return '-'
    return str(v)


def table(res):
    anon, bk = view(res)
    names = list(bk)
    w = 22
    out = ['%-30s %*s ' % ('arm: median (min-max)', w, 'baseline') +
           ' '.join('%*s' % (w, n) for n in names) + '  unit  n']
    for label, base, key, unit in ROWS:
        cells = [cell(anon.get(base))] + [cell(bk[n].get('arms', {}).get(key))
                                          for n in names]
        ns = [str((anon.get(base) or {}).get('n', 0))] + [
            str((bk[n].get('arms', {}).get(key) or {}).get('n', 0))
            for n in names]
        out.append('%-30s ' % label + ' '.join('%*s' % (w, c) for c in cells)
                   + '  %-5s %s' % (unit, '/'.join(ns)))
    out.append('')
    out.append('%-42s ' % 'figure' + ' '.join('%9s' % n for n in names) +
               '   target ' + ' / '.join(names) + ', met')
    for key, label in FIGURES:
        vals = [value(bk[n].get(key)) for n in names]
        ts = [bk[n].get('targets', {}).get(key) for n in names]
        tgt = ''
        if any(ts):
            tt = [t['target'] if t else '-' for t in ts]
            tgt = tt[0] if len(set(tt)) == 1 else ' / '.join(tt)
            tgt = '%s: %s' % (tgt, ' / '.join(
                MET[t['met']] if t else '-' for t in ts))
        out.append('%-42s ' % label + ' '.join('%9s' % v for v in vals) +
                   ('   ' + tgt if tgt else ''))
    met = ', '.join('%s %d/%d' % (n, bk[n].get('targets_met', 0),
                                  bk[n].get('targets_total', 0))
                    for n in names)
    out.append('%-42s %s' % ('targets met', met))
    best = res.get('best_backend')
    out.append('%-42s %s' % ('best backend', best or '-'))
    return '\n'.join(out)


RA_HEAD = 'readahead %s KiB'

PC_ROWS = [('anonymous swap-in', 'anon')] + [
    ('%s, %s' % (b, path), '%s.%s' % (b, kind))
    for b in BACKENDS for kind, path in (('bo-fault', 'CPU fault path'),
                                         ('bo-validate', 'validate path'))]


def pc_table(pc, head='page-cluster %s'):
    """An experiment (page-cluster, or with head 'readahead %s KiB' the
    restore's readahead): restore MiB/s and ratio to anonymous swap-in per
    setting."""
    if not pc:
        return '(not run)'
    vals = sorted(pc, key=lambda v: (len(v), v))
    out = ['%-30s ' % 'restore MiB/s (ratio to anon)' +
           ' '.join('%22s' % (head % v) for v in vals)]
    for label, key in PC_ROWS:
        if not any(pc[v].get(key) for v in vals):
            continue
        cells = []
        for v in vals:
            s = pc[v].get(key)
            r = pc[v].get('ratios', {}).get(key)
            cells.append('-' if not s else '%.1f%s' % (
                s['median'], ' (%.2f)' % r if r is not None else ''))
        out.append('%-30s ' % label + ' '.join('%22s' % c for c in cells))
    return '\n'.join(out)


PLOT_COLORS = {'baseline': '#999999', 'copy': '#4477aa', 'insert': '#ee6677'}


def plot_data(res):
    """Rows of the plot: label, then median min max for the baseline and
    each backend ("-" if none)."""
    anon, bk = view(res)
    names = list(bk)
    rows = []
    for label, base, key, unit in ROWS:
        if unit != 'MiB/s':
            continue
        row = [PLOT_LABELS[key]]
        cells = [anon.get(base)] + [bk[n].get('arms', {}).get(key)
                                    for n in names]
        if not any(cells):
            continue            # e.g. populate, not run on zram
        for s in cells:
            row += ['%f' % s[k] for k in ('median', 'min', 'max')] if s \
                else ['-', '-', '-']
        rows.append(row)
    return names, rows


def plot(res, png):
    gp = shutil.which('gnuplot')
    if not gp:
        return False
    panels = [('swap on the virtio disk', res)]
    if res.get('zram'):
        panels.append(('swap on zram (compressible content)', res['zram']))
    dats, plots = [], []
    for i, (title, r) in enumerate(panels):
        names, rows = plot_data(r)
        dat = png[:-4] + '-%d.dat' % i
        dats.append(dat)
        with open(dat, 'w') as f:
            for row in rows:
                f.write('"%s" %s\n' % (row[0], ' '.join(row[1:])))
        series_ = ['"%s" using 2:3:4:xtic(1) title "anonymous (populate: '
                   'opt-in off)" lc rgb "%s"' % (dat, PLOT_COLORS['baseline'])]
        for j, n in enumerate(names):
            c = 5 + 3 * j
            series_.append('"" using %d:%d:%d title "%s backend" lc rgb "%s"'
                           % (c, c + 1, c + 2, n,
                              PLOT_COLORS.get(n, '#228833')))
        plots.append('set title "%s"\nplot %s\n' % (title,
                                                    ', '.join(series_)))
    script = '''
set terminal png size 1100,%d font ",10"
set output "%s"
set datafile missing "-"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border -1
set logscale y
set ylabel "MiB/s (median, min-max; log scale)"
set xtics font ",9"
set key top right font ",9"
set grid ytics
set bmargin 4
set multiplot layout %d,1 title "TTM shrinker: backends vs anonymous memory, qemu %s, %d MiB RAM"
%s
unset multiplot
''' % (460 * len(panels), png, len(panels),
       res.get('setup', {}).get('accel', 'TCG'), RAM, ''.join(plots))
    r = subprocess.run([gp], input=script, text=True, capture_output=True)
    for dat in dats:
        os.unlink(dat)
    if r.returncode:
        print(r.stderr)
    return r.returncode == 0


def failures_text(res):
    fails = list(res.get('failures', []))
    if res.get('zram'):
        fails += ['zram: ' + f for f in res['zram'].get('failures', [])]
    if res.get('profile_failure'):
        fails.append('profile: ' + res['profile_failure'])
    if not fails:
        return 'None: every arm verified all its pages, every backend was ' \
            'selected and the insert arms inserted.'
    return '\n'.join('- ' + f for f in fails)


def results_md(res, cmd='make bench'):
    s = res.get('setup', {})
    z = res.get('zram') or {}
    zs = z.get('setup', {})
    secs = res.get('vm_seconds_by_run', {})
    by_run = ', '.join('%s %d s' % (k, v) for k, v in secs.items())
    best = res.get('best_backend')
    bk = view(res)[1]
    names = list(bk)
    return demo.render(
        'RESULTS.md.in', cmd=cmd,
        date=res.get('date', datetime.date.today().isoformat()),
        secs=res.get('vm_seconds', 0), by_run=by_run or '-',
        kernel=s.get('kernel', '?'), base_pkg=settings.BASE_PKG,
        base_version=settings.BASE_VERSION, accel=s.get('accel', '?'),
        qemu=s.get('qemu', '?'), host_cores=s.get('host_cores', '?'),
        host_cpu=s.get('host_cpu', '?'), vcpus=s.get('vcpus', '?'),
        guest_cpus=s.get('cpus', '?'), clock=s.get('clocksource', '?'),
        mem=s.get('mem_mib', '?'), ram=s.get('ram_mib', RAM),
        swap=s.get('swap_mib', SWAP), zswap=zs.get('swap_mib', '-'),
        reps=s.get('reps', '?'), zreps=zs.get('reps', '-'),
        bo=s.get('bo_mib', '?'), zbo=zs.get('bo_mib', '-'),
        hog=s.get('hog_mib', '?'), zhog=zs.get('hog_mib', '-'),
        pc_default=s.get('page_cluster', '?'),
        pc_mib=s.get('pc_mib', '?'), pc_reps=s.get('pc_reps', '?'),
        backends=', '.join('`%s`' % n for n in names),
        best=best or 'none',
        best_why=best_why(res), tbl=table(res),
        zram_tbl=table(z) if z else '(not run: --no-zram)',
        pc_tbl=pc_table(res.get('page_cluster')),
        ra_tbl=pc_table(res.get('readahead'), RA_HEAD),
        zram_pc_tbl=pc_table(z.get('page_cluster')) if z else '(not run)',
        scans=', '.join('%s %s' % (n, bk[n].get('scan_count', 0))
                        for n in names),
        lost=res.get('pages_lost', 0) + z.get('pages_lost', 0),
        failures=failures_text(res))


def best_why(res):
    best = res.get('best_backend')
    bk = view(res)[1]
    if not best or best not in bk:
        return 'no backend reported figures.'
    r = bk[best]
    return ('it meets %d of %d targets%s; shrink %s, restore %s of '
            'anonymous memory, longest scan %s ms.' % (
                r.get('targets_met', 0), r.get('targets_total', 0),
                '' if not r.get('failures') else
                ' (but it failed: see below)', value(r.get('shrink_ratio')),
                value(r.get('restore_ratio')), value(r.get('scan_max_ms'))))


# --------------------------------------------------------------------------
# the profile

PROFILE_PATCH = os.path.join(settings.TOOLS, 'bench-profile.patch')

STEP_LABELS = {
    # tools/bench-profile.patch for the copy backend only (2026-11-28):
    # every step per page backed up (prof.pages).
    'alloc': 'allocate the shmem page (`shmem_read_folio_gfp()`: '
             'allocation, zeroing, page cache, LRU)',
    # The patch for both backends: prof.copied and prof.inserted pages.
    'shmem_alloc': 'copy: allocate the shmem page (allocation, zeroing, '
                   'page cache, LRU), per page copied',
    'copy': 'copy: copy the content (`copy_highpage()`), per page copied',
    'insert': 'insert: give the TTM page to shmem (`shmem_insert_folio()`), '
              'per page inserted',
    'writeback': 'start its writeback to swap (`shmem_writepage()` → swap '
                 'cache, bio)',
    'queue': 'queue the page for the writeback worker',
    'free': 'free the TTM page, per page freed',
    'finish_plug': 'submit the plugged writeback (`blk_finish_plug()`), '
                   'per page backed up (not in the total)',
    'restore_alloc': 'allocate the TTM page (`ttm_pool_alloc_page()`)',
    'restore_readahead': 'start the reads of the next window '
                         '(`shmem_readahead_swap()`), per page restored',
    'restore_read': 'read the shmem page back (`shmem_get_folio()`: '
                    'swap-in, or wait for the read ahead, if written out)',
    'restore_copy': 'copy the content',
    'restore_drop': 'drop the shmem pages (`shmem_truncate_range()`), per '
                    'page restored',
    'restore_take': 'take the shmem page back (`shmem_take_folio()`: '
                    'swap-in, or wait for the read ahead, if written out; '
                    'off the LRU and the page cache, uncharged), per page '
                    'restored',
}
# Steps timed per page that are not a part of each page's own time.
NOT_IN_TOTAL = ('finish_plug',)
# The pages each step of a backup is timed over, when not prof.pages.
PER = {'shmem_alloc': ('copied',), 'copy': ('copied',),
       'insert': ('inserted',), 'free': ('freed',)}


def profile_kernel():
    """Build the profiling kernel; build/linux is left as it was."""
    series.git('apply', '--check', PROFILE_PATCH)
    series.git('apply', PROFILE_PATCH)
    try:
        return vm.prepare(False, name='x86-profile')
    finally:
        series.git('apply', '-R', PROFILE_PATCH)


# The lines of debugfs ttm/shrinker other than the profile's: where the
# profile's counters end on the one-line BENCH-INFO copy of the file.
SHRINKER_KEYS = ('shrinkable_pages', 'purgeable_pages', 'swap_avail_pages',
                 'scans', 'scan_max_us', 'purged_pages', 'backed_up_pages',
                 'restored_pages', 'failures', 'deferred_pages',
                 'writeback_pending_pages', 'writeback_pending_max_pages',
                 'writeback_pages', 'device', 'prof', 'rprof', 'sprof',
                 'mprof', 'aprof')


# The profile's debugfs lines: per-step totals of backup (prof) and
# restore (rprof), the longest scan (sprof), per-step maxima (mprof), and
# the kernel's own reclaim of anonymous memory (aprof: its
# shrink_folio_list() calls), the yardstick of the scan tail.
PROFILE_TAGS = ('prof', 'rprof', 'sprof', 'mprof', 'aprof')


def parse_profile(log, tag):
    """The @tag counters of the last BENCH-INFO ttm/shrinker line on the
    console (the end of the run, both backends together)."""
    prof = {}
    with open(log, errors='replace') as f:
        for ln in f:
            sep = ' %s ' % tag
            if ln.startswith('BENCH-INFO ttm/shrinker:') and sep in ln:
                words = ln.split(sep, 1)[1].split()
                prof = {}
                for k, v in zip(words[0::2], words[1::2]):
                    if k in SHRINKER_KEYS or count(v) is None:
                        break
                    prof[k] = int(v)
    return prof


def profile_figures(c, last=None):
    """µs per page of each timed step, from one backend's summed counter
    deltas: rprof.X_ns per rprof.pages; prof.X_ns per the pages that step
    handles (PER: copied, inserted, freed), else per page backed up
    (prof.pages, or copied + inserted). The totals: all of the timed
    time (but NOT_IN_TOTAL) per page backed up, per page restored. last:
    the counters at the end of the run, for the maxima (whole run)."""
    backed = c.get('prof.pages')
    if backed is None:
        backed = c.get('prof.copied', 0) + c.get('prof.inserted', 0)
    out = {'pages': backed, 'restore_pages': c.get('rprof.pages', 0),
           'raw': {k: v for k, v in sorted(c.items())
                   if k.startswith(('prof.', 'rprof.'))}}
    if last:
        out['maxima'] = {k: v for k, v in sorted(last.items())
                         if k.startswith(('prof.', 'rprof.', 'sprof.')) and
                         gauge(k)}
    total = {'prof': 0, 'rprof': 0}
    for k, v in sorted(c.items()):
        grp, _, name = k.partition('.')
        if grp not in total or not name.endswith('_ns') or not v:
            continue            # not timed for this backend
        step = name[:-3]
        if grp == 'rprof':
            n = c.get('rprof.pages')
            label = 'restore_' + step
        else:
            n = backed
            for key in PER.get(step, ()):
                if 'prof.' + key in c:
                    n = c['prof.' + key]
            label = step
        if not n:
            continue
        out[label + '_us_per_page'] = round(v / n / 1e3, 2)
        if step not in NOT_IN_TOTAL:
            total[grp] += v
    if backed and total['prof']:
        out['total_us_per_page'] = round(total['prof'] / backed / 1e3, 2)
    if out['restore_pages'] and total['rprof']:
        out['restore_total_us_per_page'] = round(
            total['rprof'] / out['restore_pages'] / 1e3, 2)
    return out


def profile_plan(args):
    """(VmRun, Cfg) of the profile run: one round of the shrink arms."""
    cfg = Cfg(reps=1, mib=args.mib, backends=tuple(
        b for b in args.backends.split(',') if b), arms=('swap',))
    return dataclasses.replace(RUN, name='bench-profile',
                               cmdline=cfg.cmdline(),
                               timeout=300 + 2 * estimate(cfg)), cfg


def run_profile(args, res, kernel=None):
    run, cfg = profile_plan(args)
    kernel = kernel or profile_kernel()
    proc.say('bench: profile run (tools/bench-profile.patch, one round of '
             'the shrink arms, backends %s)' % ','.join(cfg.backends))
    rec, ch = vm.run_vm(run, kernel)
    if rec.counts()[1]:
        rec.report()
        proc.die('bench: the profile run failed (log: %s)' % rec.log)
    counters = parse(ch).counters
    deltas = counter_deltas(counters)
    last = {k: count(v) for k, v in (counters[-1] if counters else {}
                                     ).items() if count(v) is not None}
    out = {'backends': {}, 'seconds': round(rec.seconds),
           'raw_info': {t: parse_profile(rec_log(rec), t)
                        for t in PROFILE_TAGS}}
    for b in cfg.backends:
        out['backends'][b] = profile_figures(deltas.get(b, {}), last)
    if not any(p['pages'] for p in out['backends'].values()):
        proc.die('bench: the profile run timed no page backup: is '
                 'tools/bench-profile.patch in that kernel? (log: %s)' %
                 rec.log)
    anon = view(res)[0]
    s = anon.get('restore.anon')
    if s:
        out['anon_restore_us_per_page'] = round(1e6 / (
            s['median'] * settings.PAGES_PER_MIB), 2)
    s = anon.get('shrink.anon')
    if s:
        # All of anonymous swap-out's extra time, per page moved.
        out['anon_us_per_page'] = round(1e6 / (
            s['median'] * settings.PAGES_PER_MIB), 2)
    return out


def profile_rows(p, restore):
    names = list(p.get('backends', {}))
    steps = []
    for n in names:
        for k in p['backends'][n]:
            if not k.endswith('_us_per_page') or 'total' in k:
                continue
            step = k[:-len('_us_per_page')]
            if step.startswith('restore_') == restore and step not in steps:
                steps.append(step)
    known = [s for s in STEP_LABELS if s in steps]
    steps = known + [s for s in steps if s not in known]
    head = '| step | ' + ' | '.join('%s µs/page' % n for n in names) + ' |'
    rows = [head, '|---|' + '---|' * len(names)]
    for step in steps:
        rows.append('| %s | ' % STEP_LABELS.get(step, '`%s_ns`' % step) +
                    ' | '.join(value(p['backends'][n].get(
                        step + '_us_per_page')) for n in names) + ' |')
    tot = 'restore_total_us_per_page' if restore else 'total_us_per_page'
    rows.append('| **total, %s** | ' % ('in the restore' if restore else
                                        'inside the shrinker') +
                ' | '.join('**%s**' % value(p['backends'][n].get(tot))
                           for n in names) + ' |')
    pages = ' / '.join('%s %s' % (n, p['backends'][n].get(
        'restore_pages' if restore else 'pages', 0)) for n in names)
    return '\n'.join(rows), pages


WHO = {0: 'a direct reclaimer', 1: 'kswapd', 2: 'the deferred worker'}
PASSES = ((1, 'purge'), (2, 'backup'), (4, 'retry after the writeback '
          'throttle'), (8, "kswapd's wait for busy objects"))


def longest_scan_md(p):
    """The profile's record of the longest scan of the whole profile run
    (debugfs "sprof"): wall and CPU time, context switches, who, passes."""
    sp = (p.get('raw_info') or {}).get('sprof') or {}
    if not sp.get('scan_max_ns'):
        return '(no record: the profile kernel predates it)'
    wall, cpu = sp['scan_max_ns'] / 1e6, sp.get('cpu_ns', 0) / 1e6
    passes = ', '.join(n for bit, n in PASSES
                       if sp.get('passes', 0) & bit) or 'none'
    return ('%.3f ms of wall time, of which the scanning task ran %.3f ms '
            '(%d voluntary, %d involuntary context switches); %s, '
            'nr_to_scan %d, freed %d; passes: %s; waited %.3f ms on the '
            'writeback throttle. Longest chunk backed up at once: %.3f ms '
            '(order %d); longest ttm_pool_backup() call: %.3f ms (%d '
            'pages).' % (
                wall, cpu, sp.get('nvcsw', 0), sp.get('nivcsw', 0),
                WHO.get(sp.get('who'), '?'), sp.get('nr_to_scan', 0),
                sp.get('freed', 0), passes, sp.get('throttle_ns', 0) / 1e6,
                (p.get('raw_info', {}).get('prof', {}).get('chunk_max_ns', 0)
                 / 1e6),
                p.get('raw_info', {}).get('prof', {}).get('chunk_max_order',
                                                          0),
                (p.get('raw_info', {}).get('prof', {}).get('backup_max_ns', 0)
                 / 1e6),
                p.get('raw_info', {}).get('prof', {}).get('backup_max_pages',
                                                          0)))


MPROF = (('copy_alloc_max_ns', "the copy's shmem page allocation"),
          ('copy_max_ns', 'the copy'),
          ('insert_max_ns', 'an insertion (shmem_insert_folio())'),
          ('charge_max_ns', 'its memcg charge'),
          ('pagecache_max_ns', 'its page cache insertion'),
          ('acct_max_ns', 'its block accounting'),
          ('lru_max_ns', 'its LRU addition'))


def tail_md(p):
    """Where the longest single steps of the profile run went (debugfs
    "mprof"), and the same measure of the kernel's own anonymous reclaim
    in the same run (debugfs "aprof"): its longest shrink_folio_list()
    call, and how many took over 10 and 5 ms."""
    raw = p.get('raw_info') or {}
    mp, ap = raw.get('mprof') or {}, raw.get('aprof') or {}
    out = []
    if mp:
        out.append('Longest single step of a page backup: ' + '; '.join(
            '%s %.3f ms' % (label, mp[k] / 1e6) for k, label in MPROF
            if mp.get(k)) + '.')
    if ap.get('anon_batches'):
        out.append(
            "The kernel's own reclaim of anonymous memory in the same run: "
            'its longest shrink_folio_list() call took %.3f ms for %d '
            'folios; %d of its %d calls (%d folios) took over 10 ms, %d '
            'over 5 ms.' % (
                ap.get('anon_batch_max_ns', 0) / 1e6,
                ap.get('anon_batch_max_folios', 0),
                ap.get('anon_batches_over_10ms', 0), ap['anon_batches'],
                ap.get('anon_folios', 0), ap.get('anon_batches_over_5ms', 0)))
    return ' '.join(out) or '(no record: the profile kernel predates it)'


def profile_md(p):
    if not p or 'backends' not in p:
        return ''
    btbl, bpages = profile_rows(p, False)
    rtbl, rpages = profile_rows(p, True)
    return demo.render('PROFILE.md.in', backup_table=btbl,
                       longest_scan=longest_scan_md(p),
                       tail=tail_md(p),
                       restore_table=rtbl, backup_pages=bpages,
                       restore_pages=rpages,
                       anon_us=p.get('anon_us_per_page', '-'),
                       anon_r=p.get('anon_restore_us_per_page', '-'))


# --------------------------------------------------------------------------
# setup facts, docs, the command

def qemu_accel(run, kernel):
    """The accelerator of the qemu command line the harness builds."""
    cmd = vm.qemu_cmd(run, kernel, 'swap.img', 'console.log', 'chan.log')
    return cmd[cmd.index('-accel') + 1].upper() if '-accel' in cmd else '?'


def host_cpu(path='/proc/cpuinfo'):
    try:
        with open(path, errors='replace') as f:
            for ln in f:
                k, _, v = ln.partition(':')
                if k.strip() == 'model name':
                    return v.strip()
    except OSError:
        pass
    return '?'


def qemu_version():
    try:
        r = proc.capture(['qemu-system-x86_64', '--version'], check=False)
    except OSError:
        return '?'
    return (r.stdout.split('\n')[0] or '?').strip()


def host_setup(run, kernel, rec, ch, res):
    """The setup facts measured on the host and reported by the guest."""
    s = dict(res.get('setup', {}))
    s.update({
        'accel': qemu_accel(run, kernel),
        'host_cores': os.cpu_count(),
        'host_cpu': host_cpu(),
        'qemu': qemu_version(),
        'vcpus': run.cpus,
        'ram_mib': run.ram,
        'swap_device': 'zram (in guest RAM, compressed)' if
        run.swapdev == 'zram' else 'virtio-blk raw image',
        'swap_kind': ch.facts.get('swap', '?'),
        'clocksource': ch.facts.get('clock', '?'),
        'vm_seconds': round(rec.seconds),
    })
    return s


def write_docs(res, docs=None):
    docs = docs or DOCS
    tbl = table(res)
    print(tbl)
    if res.get('zram'):
        print('\nzram:\n' + table(res['zram']))
    print('\nvm.page-cluster:\n' + pc_table(res.get('page_cluster')))
    print('\nttm.restore_readahead_kb:\n' +
          pc_table(res.get('readahead'), RA_HEAD))
    os.makedirs(docs, exist_ok=True)
    with open(os.path.join(docs, 'results.json'), 'w') as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write('\n')
    if not plot(res, os.path.join(docs, 'bench.png')):
        proc.say('bench: gnuplot failed or missing, no plot')
    with open(os.path.join(docs, 'RESULTS.md'), 'w') as f:
        f.write(results_md(res, res.get('command', 'make bench')))
        f.write(profile_md(res.get('profile')))
    proc.say('bench: wrote %s/results.json, bench.png, RESULTS.md '
             '(%.0f s in the VM)' % (proc.rel(docs), res.get('vm_seconds', 0)))


def rec_log(rec):
    return os.path.join(settings.ROOT, rec.log)


def boot(what, run, kernel):
    """One bench VM run; dies on a run problem or a coarse clock."""
    rec, ch = vm.run_vm(run, kernel)
    if rec.problems:
        rec.report()
        proc.die('bench: the %s VM run failed (log: %s)' % (what, rec.log))
    clock = ch.facts.get('clock', '?')
    if clock in settings.COARSE_CLOCKS or clock == '?':
        proc.die('bench: the guest clock is %s; its times are tick counts, '
                 'not measurements: no figures reported' % clock)
    return rec, ch


def verdict(res, recs):
    """The reasons the bench failed: FAIL cases (a guest test that
    failed, reported nothing, exited non-zero or timed out), data lost,
    backend failures, of every run."""
    why = ['%s: %s %s' % (what, c.name, c.detail[:300]) for what, rec in recs
           for c in rec.cases if c.status == 'FAIL']
    why += res.get('failures', [])
    if res.get('profile_failure'):
        why.append('profile: ' + res['profile_failure'])
    if res.get('zram'):
        why += ['zram: ' + f for f in res['zram'].get('failures', [])]
    return why


def main(args):
    if getattr(args, 'estimate', False):
        text, total = estimate_text(args)
        print(text)
        return 0
    if args.plot_only:
        with open(os.path.join(DOCS, 'results.json')) as f:
            return 0 if plot(json.load(f), os.path.join(DOCS,
                                                         'bench.png')) else 1
    series.ensure_tree()
    if args.profile_only:
        with open(os.path.join(DOCS, 'results.json')) as f:
            res = json.load(f)
        res['profile'] = run_profile(args, res)
        write_docs(res)
        return 0
    runs = plan(args)
    text, total = estimate_text(args)
    proc.say('bench: estimated time\n' + text)
    if not args.no_profile:
        # Before the runs, not after them: the profile kernel is the
        # series with tools/bench-profile.patch, which a change to the
        # series may have left behind.
        try:
            series.git('apply', '--check', PROFILE_PATCH)
        except proc.Failure as e:
            proc.die('bench: tools/bench-profile.patch does not apply to '
                     'build/linux (refresh it, or --no-profile): %s' % e)
    kernel = vm.prepare(False)
    res, recs, secs = None, [], {}
    for what, run, cfg in runs:
        if what == 'profile':
            continue
        proc.say('bench: %s: %d rounds of %d MiB, backends %s' % (
            what, cfg.reps, cfg.mib, ','.join(cfg.backends)))
        rec, ch = boot(what, run, kernel)
        recs.append((what, rec))
        secs[what] = round(rec.seconds)
        r = compute(parse(ch), list(cfg.backends))
        r['setup'] = host_setup(run, kernel, rec, ch, r)
        if what == 'disk':
            res = r
        else:
            res[what] = r
    if not args.no_profile:
        try:
            res['profile'] = run_profile(args, res)
            secs['profile'] = res['profile']['seconds']
        except proc.Failure as e:
            # The figures of the other runs are still written.
            res['profile_failure'] = str(e)
    res['command'] = 'make bench'
    res['date'] = datetime.date.today().isoformat()
    res['vm_seconds_by_run'] = secs
    res['vm_seconds'] = sum(secs.values())
    res['estimate_seconds'] = total
    write_docs(res)
    why = verdict(res, recs)
    if why:
        proc.die('bench: arms failed, lost data or a backend failed:\n  ' +
                 '\n  '.join(why))
    return 0
