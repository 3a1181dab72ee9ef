# SPDX-License-Identifier: GPL-2.0
"""ttmh bench: shrink and restore throughput of the TTM shrinker against
the kernel's own anonymous-memory reclaim, in one VM.

Boots the non-debug VM kernel (TCG, 512 MiB RAM, 1536 MiB swap on a
virtio disk) once and runs guest/tests/bench there: every arm runs
--reps times (default 3), interleaved, on the same VM and swap device.
From its TTMH-BENCH lines this computes, per arm, median, min and max:

  shrink   MiB/s moved out by the pressure of an mlocked hog: buffer
           objects (the shrinker) vs anonymous memory of the same size;
           the hog's time minus its time alone (hog0) is the reclaim cost
  restore  MiB/s brought back: objects through the CPU fault path and
           through "GPU use" (validate), vs anonymous swap-in; the verify
           time minus the same verify all resident (the check's own cost)
  populate create + populate + free, device opted in vs not, no pressure
  scan     max and p99 of the duration of one scan_objects call
  pressure the demo's hog (no mlock) next to idle objects vs idle
           anonymous memory of the same size: time, OOM kills

and writes docs/results.json, docs/bench.png (gnuplot) and
docs/RESULTS.md. The ratios are the figures to compare, not the MiB/s of
an emulated machine.

Then, unless --no-profile, a profile: the same kernel with
tools/bench-profile.patch (timers around each step of backing up a page,
shown in debugfs ttm/shrinker) is built in build/out/x86-profile, with
the patch applied to build/linux only during that build, and one round
of the shrink arms runs on it: where the shrinker's time per page goes.
"""

import datetime
import json
import os
import shutil
import statistics
import subprocess

import ttmh_load

h = ttmh_load.harness()

DOCS = os.path.join(h.ROOT, 'docs')
RAM, SWAP = 512, 1536

TARGETS = {
    'shrink_ratio': ('>=', 0.9),
    'restore_ratio': ('>=', 0.9),
    'populate_ratio': ('>=', 0.98),
    'scan_max_ms': ('<=', 10.0),
    'pressure_oom_kills': ('<=', 0),
    'pressure_time_ratio': ('<=', 1.2),
}


def parse(log):
    """TTMH-BENCH lines -> list of (arm, {key: value}); scan durations."""
    rows, scans = [], []
    with open(log, errors='replace') as f:
        for ln in f:
            if not ln.startswith('TTMH-BENCH '):
                continue
            words = ln.split()
            if words[1] == 'scan-ns':
                scans += [int(w) for w in words[2:]]
                continue
            rows.append((words[1], dict(w.split('=', 1) for w in words[2:]
                                        if '=' in w)))
    return rows, scans


def num(v):
    try:
        return float(v)
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


def compute(rows, scans):
    setup = next((d for a, d in rows if a == 'setup'), {})
    hog0 = {d['rep']: num(d.get('hog_s')) for a, d in rows if a == 'hog0'}
    arms = {}

    def add(name, value):
        arms.setdefault(name, []).append(value)

    lost = 0
    for arm, d in rows:
        if arm == 'swap':
            kind, rep = d['kind'], d['rep']
            out, back = num(d.get('out_mib')), num(d.get('back_mib'))
            hog_s, base = num(d.get('hog_s')), hog0.get(rep)
            vs, rvs = num(d.get('verify_s')), num(d.get('reverify_s'))
            it = d.get('intact', '0/0').split('/')
            if it[0] != it[1] or d.get('rc') != '0':
                lost += 1
            group = 'anon' if kind == 'anon' else 'bo'
            if out and hog_s and base is not None and hog_s > base:
                add('shrink.' + group, out / (hog_s - base))
            if out and hog_s:
                add('shrink_gross.' + group, out / hog_s)
            if back and vs and rvs is not None and vs > rvs:
                add('restore.' + kind, back / (vs - rvs))
            add('out_mib.' + group, out)
            add('back_mib.' + kind, back)
        elif arm == 'churn':
            add('populate.shrink%s' % d['shrink'], num(d.get('mib_s')))
        elif arm == 'pressure':
            kind = d['kind']
            add('pressure_s.' + kind, num(d.get('hog_s')))
            add('pressure_oom.' + kind, num(d.get('oom_kills')))
            add('pressure_done.' + kind,
                1.0 if d.get('hog') == 'completed' else 0.0)
            it = d.get('intact', '0/0').split('/')
            if it[0] != it[1] or d.get('rc') != '0':
                lost += 1
    st = {k: stats(v) for k, v in arms.items()}

    def med(k):
        return st[k]['median'] if st.get(k) else None

    def ratio(a, b):
        a, b = med(a), med(b)
        return round(a / b, 3) if a and b else None

    restore_fault = ratio('restore.bo-fault', 'restore.anon')
    restore_validate = ratio('restore.bo-validate', 'restore.anon')
    restore = [r for r in (restore_fault, restore_validate) if r is not None]
    oom_bo = sum(v for v in arms.get('pressure_oom.bo', []) if v)
    oom_anon = sum(v for v in arms.get('pressure_oom.anon', []) if v)
    res = {
        'shrink_ratio': ratio('shrink.bo', 'shrink.anon'),
        'restore_ratio': min(restore) if restore else None,
        'restore_fault_ratio': restore_fault,
        'restore_validate_ratio': restore_validate,
        'populate_ratio': ratio('populate.shrink1', 'populate.shrink0'),
        'scan_max_ms': round(max(scans) / 1e6, 3) if scans else None,
        'scan_p99_ms': round(percentile(scans, 99) / 1e6, 3)
        if scans else None,
        'scan_count': len(scans),
        'pressure_oom_kills': int(oom_bo),
        'pressure_oom_kills_anon': int(oom_anon),
        'pressure_time_ratio': ratio('pressure_s.bo', 'pressure_s.anon'),
        'shrink_gross_ratio': ratio('shrink_gross.bo', 'shrink_gross.anon'),
        'pages_lost': lost,
        'backends': ['shmem'],
        'arms': {k: {kk: round(vv, 3) for kk, vv in v.items()}
                 for k, v in st.items() if v},
        'setup': setup,
    }
    res['targets'] = {}
    for k, (op, t) in TARGETS.items():
        v = res.get(k)
        met = None if v is None else (v >= t if op == '>=' else v <= t)
        res['targets'][k] = {'target': '%s %s' % (op, t), 'met': met}
    return res


ROWS = [
    # label, arm key, unit
    ('shrink: anonymous memory to swap', 'shrink.anon', 'MiB/s'),
    ('shrink: buffer objects (shrinker)', 'shrink.bo', 'MiB/s'),
    ('restore: anonymous swap-in', 'restore.anon', 'MiB/s'),
    ('restore: objects, CPU fault path', 'restore.bo-fault', 'MiB/s'),
    ('restore: objects, validate path', 'restore.bo-validate', 'MiB/s'),
    ('populate: opt-in off (6.12 path)', 'populate.shrink0', 'MiB/s'),
    ('populate: opt-in on (shrinker)', 'populate.shrink1', 'MiB/s'),
    ('pressure: hog next to anon memory', 'pressure_s.anon', 's'),
    ('pressure: hog next to objects', 'pressure_s.bo', 's'),
]

PLOT_LABELS = {
    'shrink.anon': 'shrink\\nanonymous',
    'shrink.bo': 'shrink\\nobjects',
    'restore.anon': 'restore\\nanonymous',
    'restore.bo-fault': 'restore\\nobjects, fault',
    'restore.bo-validate': 'restore\\nobjects, validate',
    'populate.shrink0': 'populate\\nopt-in off',
    'populate.shrink1': 'populate\\nopt-in on',
}

RATIOS = [
    ('shrink_ratio', 'shrink, objects / anonymous'),
    ('shrink_gross_ratio', '  same, incl. the hog\'s own faults'),
    ('restore_ratio', 'restore, objects / anonymous (lower path)'),
    ('restore_fault_ratio', '  CPU fault path'),
    ('restore_validate_ratio', '  validate path'),
    ('populate_ratio', 'populate, opt-in on / off'),
    ('scan_max_ms', 'longest scan, ms'),
    ('scan_p99_ms', 'p99 scan, ms'),
    ('pressure_oom_kills', 'pressure, OOM kills with the shrinker'),
    ('pressure_time_ratio', 'pressure, hog time objects / anonymous'),
]


def table(res):
    out = ['%-36s %10s %10s %10s  %s' % ('arm', 'median', 'min', 'max',
                                         'unit')]
    for label, key, unit in ROWS:
        s = res['arms'].get(key)
        if s:
            out.append('%-36s %10.1f %10.1f %10.1f  %s (n=%d)' % (
                label, s['median'], s['min'], s['max'], unit, s['n']))
        else:
            out.append('%-36s %10s' % (label, 'no data'))
    out.append('')
    out.append('%-44s %10s %10s  %s' % ('figure', 'value', 'target', 'met'))
    for key, label in RATIOS:
        t = res['targets'].get(key)
        v = res.get(key)
        out.append('%-44s %10s %10s  %s' % (
            label, '-' if v is None else v, t['target'] if t else '',
            '' if not t else {True: 'yes', False: 'NO', None: '?'}[t['met']]))
    return '\n'.join(out)


def plot(res, png):
    gp = shutil.which('gnuplot')
    if not gp:
        return False
    dat = png[:-4] + '.dat'
    with open(dat, 'w') as f:
        for label, key, unit in ROWS:
            s = res['arms'].get(key)
            if s and unit == 'MiB/s':
                f.write('"%s" %f %f %f\n' % (PLOT_LABELS[key], s['median'],
                                             s['min'], s['max']))
    script = '''
set terminal png size 1100,520 font ",10"
set output "%s"
set title "TTM shrinker vs anonymous memory, MiB/s (median, min-max), qemu TCG, %d MiB RAM"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set logscale y
set ylabel "MiB/s (log scale)"
set xtics font ",9"
set bmargin 5
set key off
set grid ytics
plot "%s" using 2:3:4:xtic(1) lc rgb "#4477aa"
''' % (png, RAM, dat)
    r = subprocess.run([gp], input=script, text=True, capture_output=True)
    os.unlink(dat)
    if r.returncode:
        print(r.stderr)
    return r.returncode == 0


def results_md(res, tbl, cmd, secs):
    s = res['setup']
    date = datetime.date.today().isoformat()
    return '''# Results

Generated by `{cmd}` on {date} ({secs:.0f} s of VM time); rerun it to check.
Do not edit: `make bench` rewrites this file, `docs/results.json` and
`docs/bench.png`. The side-by-side demonstration (`make demo`) is in
[DEMO.md](DEMO.md).

- Kernel: Linux {kernel} (Debian `linux-source-6.12` 6.12.117-1~deb12u1)
  with `series/`, the non-debug VM config (`config/vm.config`).
- VM: qemu **TCG** (software emulation, no KVM) on a 2-core host,
  {mem} MiB usable RAM of {ram}, {swap} MiB swap on a virtio disk image.
  Absolute MiB/s are those of an emulated machine, many times slower than
  hardware: **the ratios, measured side by side in the same VM, are the
  figures to compare.**
- Every arm ran {reps} times, interleaved (arm order alternates per
  round); medians, with min and max. Objects and anonymous memory are the
  same size ({bo} MiB), filled with the same PRNG pattern by the same
  program (`vttm-work`, `--anon` for anonymous memory), pushed out by the
  same mlocked hog ({hog} MiB, the memory available before the round).
- Backends: the series has one, shmem (`ttm_backup_shmem_create()`).

```
{tbl}
```

![throughput per arm](bench.png)

## How each figure is measured (guest/tests/bench)

- **shrink**: MiB moved out (objects: the shrinker's `backed_up_pages`;
  anonymous: the holder's `VmSwap`) divided by the hog's extra time over
  the same hog alone (`hog0`, its own page faults).
- **restore**: MiB brought back (objects: `restored_pages`; anonymous:
  `VmSwap` before the verify) divided by the verify time minus the same
  verify repeated all resident (the pattern check itself).
- **populate**: create + "GPU use" (populate) + close of 256 objects of
  4 MiB, module reloaded with `shrink=1` and `shrink=0`.
- **scan**: duration of every `scan_objects` call during the shrink arms,
  from the trace event `ttm:ttm_shrinker_scan` ({scans} scans).
- **pressure**: the demo's scenario 2 with a hog that may swap (2 passes
  over 80% of RAM) next to idle objects or idle anonymous memory of 45%
  of RAM; pages verified afterwards in both ({lost} arms lost data).

Raw per-arm statistics and the setup line are in `docs/results.json`.
'''.format(cmd=cmd, date=date, secs=secs, kernel=s.get('kernel', '?'),
           mem=s.get('mem_mib', '?'), ram=RAM, swap=s.get('swap_mib', SWAP),
           reps=s.get('reps', '?'), bo=s.get('bo_mib', '?'),
           hog=s.get('hog_mib', '?'), tbl=tbl, scans=res['scan_count'],
           lost=res['pages_lost'])


PROFILE_PATCH = os.path.join(h.ROOT, 'tools', 'bench-profile.patch')


def profile_kernel(args):
    """Build the profiling kernel; build/linux is left as it was."""
    h.git('apply', '--check', PROFILE_PATCH)
    h.git('apply', PROFILE_PATCH)
    args.no_tree = True     # the tree is ready, and now carries the patch
    try:
        return h.vm_prepare(args, False, name='x86-profile')
    finally:
        h.git('apply', '-R', PROFILE_PATCH)


def parse_profile(log, tag):
    """The @tag counters of the last BENCH-INFO ttm/shrinker line."""
    prof = {}
    with open(log, errors='replace') as f:
        for ln in f:
            sep = ' %s ' % tag
            if ln.startswith('BENCH-INFO ttm/shrinker:') and sep in ln:
                words = ln.split(sep, 1)[1].split()
                prof = {}
                for k, v in zip(words[0::2], words[1::2]):
                    if not k.endswith('_ns') and k not in ('pages', 'freed'):
                        break
                    prof[k] = int(v)
    return prof


def run_profile(args, res):
    bdir, img = profile_kernel(args)
    log = os.path.join(h.LOGS, 'bench-profile.log')
    h.say('bench: profile run (tools/bench-profile.patch, one round of the '
          'shrink arms; log: %s)' % os.path.relpath(log, h.ROOT))
    timed_out, secs = h.qemu(bdir, img, ['bench'], RAM, SWAP, log, 900,
                             'ttmh.reps=1 ttmh.bench_mib=%d ttmh.arms=swap'
                             % args.mib)
    prof = parse_profile(log, 'prof')
    rprof = parse_profile(log, 'rprof')
    if timed_out or not prof.get('pages') or not rprof.get('pages'):
        print(h.tail(log, 30))
        h.die('bench: the profile run failed (log: %s)' % log)
    n = prof['pages']
    out = {
        'pages': n,
        'alloc_us_per_page': prof['alloc_ns'] / n / 1e3,
        'copy_us_per_page': prof['copy_ns'] / n / 1e3,
        'writeback_us_per_page': prof['writeback_ns'] / n / 1e3,
        'free_us_per_page': prof['free_ns'] / max(prof['freed'], 1) / 1e3,
    }
    out['total_us_per_page'] = sum(out[k] for k in (
        'alloc_us_per_page', 'copy_us_per_page', 'writeback_us_per_page',
        'free_us_per_page'))
    n = rprof['pages']
    for k in ('alloc', 'read', 'copy', 'drop'):
        out['restore_%s_us_per_page' % k] = rprof['%s_ns' % k] / n / 1e3
    out['restore_pages'] = n
    out['restore_total_us_per_page'] = sum(
        out['restore_%s_us_per_page' % k]
        for k in ('alloc', 'read', 'copy', 'drop'))
    s = res['arms'].get('restore.anon')
    if s:
        out['anon_restore_us_per_page'] = 1e6 / (s['median'] * 256)
    s = res['arms'].get('shrink.anon')
    if s:
        # All of anonymous swap-out's extra time, per page moved.
        out['anon_us_per_page'] = 1e6 / (s['median'] * 256)
    return {k: round(v, 2) if isinstance(v, float) else v
            for k, v in out.items()}


def profile_md(p):
    if not p:
        return ''
    return '''
## Where the shrinker's time goes (profile)

One round of the shrink arms on the same kernel with
`tools/bench-profile.patch` (timers around each step of backing up one
page; `make bench` builds it separately and applies the patch to the
tree only for that build), {pages} pages backed up:

| step of backing up one page | µs per page |
|---|---|
| allocate the shmem page (`shmem_read_folio_gfp()`: allocation, zeroing, page cache, LRU) | {alloc_us_per_page} |
| copy the content (`copy_highpage()`) | {copy_us_per_page} |
| start its writeback to swap (`shmem_writepage()` → swap cache, bio) | {writeback_us_per_page} |
| free the TTM page | {free_us_per_page} |
| **total, inside the shrinker** | **{total_us_per_page}** |
| anonymous memory: all of the hog's extra time, per page moved (median of the main run) | {anon_us} |

Anonymous reclaim writes the page itself out; the shmem backend first
needs a second page, fills it, and writes that one, and the page-cache
copy is freed later by page reclaim once written. The allocation and the
copy, about half of the cost, are what a backend inserting the TTM pages
themselves into the swap cache (the RFC's mm part, not in this series)
would save.

Restoring, {restore_pages} pages in the same run (the verify of the
objects' arms):

| step of restoring one page | µs per page |
|---|---|
| allocate the TTM page (`ttm_pool_alloc_page()`) | {restore_alloc_us_per_page} |
| read the shmem copy back (`shmem_read_folio()`, swap-in if written out) | {restore_read_us_per_page} |
| copy the content | {restore_copy_us_per_page} |
| drop the copy (`shmem_truncate_range()` of one page) | {restore_drop_us_per_page} |
| **total, in the restore** | **{restore_total_us_per_page}** |
| anonymous swap-in: all of the verify's extra time, per page (median of the main run) | {anon_r} |

Anonymous swap-in maps the swapped-in page itself; the restore reads the
shmem copy (the same swap-in), then allocates a second page, copies,
and truncates the copy away page by page. The allocation, the copy and
the per-page truncate are the restore's overhead over anonymous memory.
'''.format(anon_us=p.get('anon_us_per_page', '-'),
           anon_r=p.get('anon_restore_us_per_page', '-'), **p)


def write_docs(res):
    tbl = table(res)
    print(tbl)
    os.makedirs(DOCS, exist_ok=True)
    with open(os.path.join(DOCS, 'results.json'), 'w') as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write('\n')
    if not plot(res, os.path.join(DOCS, 'bench.png')):
        h.say('bench: gnuplot failed or missing, no plot')
    with open(os.path.join(DOCS, 'RESULTS.md'), 'w') as f:
        f.write(results_md(res, tbl, 'make bench', res.get('vm_seconds', 0)))
        f.write(profile_md(res.get('profile')))
    h.say('bench: wrote docs/results.json, docs/bench.png, docs/RESULTS.md '
          '(%.0f s in the VM)' % res.get('vm_seconds', 0))


def main(args):
    if args.plot_only:
        with open(os.path.join(DOCS, 'results.json')) as f:
            return 0 if plot(json.load(f), os.path.join(DOCS,
                                                         'bench.png')) else 1
    if args.profile_only:
        with open(os.path.join(DOCS, 'results.json')) as f:
            res = json.load(f)
        h.cmd_tree(args)
        res['profile'] = run_profile(args, res)
        write_docs(res)
        return 0
    bdir, img = h.vm_prepare(args, False)
    log = os.path.join(h.LOGS, 'bench.log')
    cmdline = 'ttmh.reps=%d ttmh.bench_mib=%d' % (args.reps, args.mib)
    h.say('bench: booting the non-debug kernel (TCG, %d MiB RAM, %d MiB '
          'swap, %d rounds; log: %s)' % (RAM, SWAP, args.reps,
                                         os.path.relpath(log, h.ROOT)))
    timed_out, secs = h.qemu(bdir, img, ['bench'], RAM, SWAP, log,
                             300 + 600 * args.reps, cmdline)
    guest = h.parse_guest(log)
    splats = h.scan_log(log)
    if timed_out or not any(n == 'guest-done' for n, _, _ in guest):
        print(h.tail(log, 30))
        h.die('bench VM did not finish (log: %s)' % log)
    if splats:
        print('\n'.join(splats))
        h.die('bench VM: unexpected kernel splats')
    rows, scans = parse(log)
    res = compute(rows, scans)
    if not args.no_profile:
        res['profile'] = run_profile(args, res)
    res['command'] = 'make bench'
    res['date'] = datetime.date.today().isoformat()
    res['vm'] = {'accel': 'tcg', 'ram_mib': RAM, 'swap_mib': SWAP,
                 'swap_device': 'virtio-blk raw image'}
    res['vm_seconds'] = round(secs)
    write_docs(res)
    bad = [n for n, s, _ in guest if s == 'FAIL']
    if bad or res['pages_lost']:
        h.die('bench: arms failed or lost data: %s' % ', '.join(bad))
    return 0
