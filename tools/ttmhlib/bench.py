# SPDX-License-Identifier: GPL-2.0
"""ttmh bench: shrink and restore throughput of the TTM shrinker against
the kernel's own anonymous-memory reclaim, in one VM.

Boots the non-debug VM kernel (TCG, 512 MiB RAM, 1536 MiB swap on a
virtio disk) once and runs guest/tests/bench there: every arm runs
--reps times (default 5), interleaved, on the same VM and swap device.
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

import dataclasses
import datetime
import json
import os
import shutil
import statistics
import subprocess

from . import demo, proc, series, settings, vm

DOCS = settings.DOCS
RUN = vm.VmRun('bench', ('bench',))
RAM, SWAP = RUN.ram, RUN.swap

TARGETS = {
    'shrink_ratio': ('>=', 0.9),
    'restore_ratio': ('>=', 0.9),
    'populate_ratio': ('>=', 0.98),
    'scan_max_ms': ('<=', 10.0),
    'many_scan_max_ms': ('<=', 10.0),
    'pressure_oom_kills': ('<=', 0),
    'pressure_time_ratio': ('<=', 1.2),
}


def parse(ch):
    """TTMH-BENCH channel lines -> list of (arm, {key: value}); the scan
    durations (ns) of the swap arms and of the many-objects arm."""
    rows, scans, many = [], [], []
    for ln in ch.words('BENCH'):
        words = ln.split()
        if not words:
            continue
        if words[0] in ('scan-ns', 'many-ns'):
            (scans if words[0] == 'scan-ns' else many).extend(
                int(w) for w in words[1:])
            continue
        rows.append((words[0], dict(w.split('=', 1) for w in words[1:]
                                    if '=' in w)))
    return rows, scans, many


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


def ms(values, p=None):
    """The longest (or the p-th percentile) of durations in ns, in ms."""
    if not values:
        return None
    return round((max(values) if p is None else percentile(values, p)) /
                 1e6, 3)


def compute(rows, scans, many=()):
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
        elif arm == 'many':
            add('many_backed_up', num(d.get('backed_up')))
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
        'scan_max_ms': ms(scans),
        'scan_p99_ms': ms(scans, 99),
        'scan_count': len(scans),
        'many_scan_max_ms': ms(many),
        'many_scan_p99_ms': ms(many, 99),
        'many_scan_median_ms': round(statistics.median(many) / 1e6, 3)
        if many else None,
        'many_scan_count': len(many),
        'many_objects': next((int(d['objects']) for a, d in rows
                              if a == 'many' and 'objects' in d), None),
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
    ('many_scan_max_ms', 'longest scan, 10 000 objects, ms'),
    ('many_scan_p99_ms', '  p99'),
    ('many_scan_median_ms', '  median'),
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
    v = res.get('vm', {})
    return demo.render(
        'RESULTS.md.in', cmd=cmd, date=datetime.date.today().isoformat(),
        secs=secs, kernel=s.get('kernel', '?'), base_pkg=settings.BASE_PKG,
        base_version=settings.BASE_VERSION, accel=v.get('accel', '?'),
        host_cores=v.get('host_cores', '?'), vcpus=v.get('vcpus', '?'),
        clock=v.get('clocksource', '?'), mem=s.get('mem_mib', '?'), ram=RAM,
        swap=s.get('swap_mib', SWAP), reps=s.get('reps', '?'),
        bo=s.get('bo_mib', '?'), hog=s.get('hog_mib', '?'), tbl=tbl,
        scans=res['scan_count'], lost=res['pages_lost'])


PROFILE_PATCH = os.path.join(settings.TOOLS, 'bench-profile.patch')


def profile_kernel():
    """Build the profiling kernel; build/linux is left as it was."""
    series.git('apply', '--check', PROFILE_PATCH)
    series.git('apply', PROFILE_PATCH)
    try:
        return vm.prepare(False, name='x86-profile')
    finally:
        series.git('apply', '-R', PROFILE_PATCH)


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
    kernel = profile_kernel()
    run = dataclasses.replace(RUN, name='bench-profile', timeout=900,
                              cmdline='ttmh.reps=1 ttmh.bench_mib=%d '
                              'ttmh.arms=swap' % args.mib)
    proc.say('bench: profile run (tools/bench-profile.patch, one round of '
             'the shrink arms)')
    rec, ch = vm.run_vm(run, kernel)
    prof = parse_profile(rec_log(rec), 'prof')
    rprof = parse_profile(rec_log(rec), 'rprof')
    if rec.counts()[1] or not prof.get('pages') or not rprof.get('pages'):
        rec.report()
        proc.die('bench: the profile run failed (log: %s)' % rec.log)
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
        out['anon_restore_us_per_page'] = 1e6 / (
            s['median'] * settings.PAGES_PER_MIB)
    s = res['arms'].get('shrink.anon')
    if s:
        # All of anonymous swap-out's extra time, per page moved.
        out['anon_us_per_page'] = 1e6 / (
            s['median'] * settings.PAGES_PER_MIB)
    return {k: round(v, 2) if isinstance(v, float) else v
            for k, v in out.items()}


def profile_md(p):
    if not p:
        return ''
    return demo.render('PROFILE.md.in',
                       anon_us=p.get('anon_us_per_page', '-'),
                       anon_r=p.get('anon_restore_us_per_page', '-'), **p)


def write_docs(res):
    tbl = table(res)
    print(tbl)
    os.makedirs(DOCS, exist_ok=True)
    with open(os.path.join(DOCS, 'results.json'), 'w') as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write('\n')
    if not plot(res, os.path.join(DOCS, 'bench.png')):
        proc.say('bench: gnuplot failed or missing, no plot')
    with open(os.path.join(DOCS, 'RESULTS.md'), 'w') as f:
        f.write(results_md(res, tbl, 'make bench', res.get('vm_seconds', 0)))
        f.write(profile_md(res.get('profile')))
    proc.say('bench: wrote docs/results.json, docs/bench.png, docs/RESULTS.md '
          '(%.0f s in the VM)' % res.get('vm_seconds', 0))


def rec_log(rec):
    return os.path.join(settings.ROOT, rec.log)


def main(args):
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
    kernel = vm.prepare(False)
    run = dataclasses.replace(RUN, timeout=300 + 600 * args.reps,
                              cmdline='ttmh.reps=%d ttmh.bench_mib=%d' %
                              (args.reps, args.mib))
    proc.say('bench: %d rounds in one VM' % args.reps)
    rec, ch = vm.run_vm(run, kernel)
    if rec.problems:
        rec.report()
        proc.die('bench VM failed (log: %s)' % rec.log)
    clock = ch.facts.get('clock', '?')
    if clock in settings.COARSE_CLOCKS or clock == '?':
        proc.die('bench: the guest clock is %s; its times are tick counts, '
                 'not measurements: no figures reported' % clock)
    rows, scans, many = parse(ch)
    res = compute(rows, scans, many)
    if not args.no_profile:
        res['profile'] = run_profile(args, res)
    res['command'] = 'make bench'
    res['date'] = datetime.date.today().isoformat()
    res['vm'] = {'accel': rec.facts.get('accel', '?').upper(),
                 'ram_mib': RAM, 'swap_mib': SWAP,
                 'swap_device': 'virtio-blk raw image',
                 'vcpus': RUN.cpus, 'host_cores': os.cpu_count(),
                 'clocksource': clock,
                 'qemu': proc.capture(['qemu-system-x86_64', '--version'],
                                      check=False).stdout.split('\n')[0]}
    res['vm_seconds'] = round(rec.seconds)
    write_docs(res)
    bad = [c.name for c in rec.cases if c.status == 'FAIL']
    if bad or res['pages_lost']:
        proc.die('bench: arms failed or lost data: %s' % ', '.join(bad))
    return 0
