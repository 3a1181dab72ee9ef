# shellcheck shell=sh
# Helpers of the guest init and tests (busybox sh). Sourcing this file only
# defines functions, and opens fd 3 on stdout if it is not open (a test run
# by hand, without init).
#
# The channel: results go to fd 3, which guest/init opens on /dev/ttyS1, a
# serial port that qemu writes to a file of its own, away from the console
# (ttyS0, shared with printk, which can garble lines). Every line written
# there is "<uptime> <KIND> <rest...>" (chan), <uptime> being the first
# field of /proc/uptime. Kinds written by the tests:
#   TTMH-RESULT <name> PASS|FAIL|SKIP [detail...]    (result)
#   TTMH-DEMO ..., TTMH-REPORT ..., TTMH-BENCH ...   (demo, tests/report, tests/bench)
#   TTMH-KTAP-MODULE <module>, TTMH-KTAP-BEGIN <suite>, raw KTAP lines,
#   TTMH-KTAP-END <suite>                            (tests/ttm-kunit)
# guest/init adds TTMH-CLOCK, TTMH-CPUS, TTMH-SWAP, TTMH-BEGIN, TTMH-END
# and TTMH-DONE. Everything else a test prints goes to the console.
#
# Functions that compute a value print it (x=$(f)); those with a ( ) body
# run in a subshell and leave no variables behind. The holder and hog
# helpers set documented variables instead (their processes must stay
# children of the calling shell).

if ! (exec 2>/dev/null; : >&3); then
	exec 3>&1
fi

# chan KIND REST...: one line "<uptime> KIND REST..." on the channel, in a
# single write.
chan() (
	read -r up _ < /proc/uptime
	echo "$up $*" >&3
)

# result NAME PASS|FAIL|SKIP [DETAIL...]: a test result.
# Results of a run on zram swap are named NAME.zram, so that they stand
# apart from the same scenario on the disk.
result() {
	n=$1
	shift
	[ "$(arg ttmh.swapdev disk)" = zram ] && n=$n.zram
	chan TTMH-RESULT "$n" "$@"
}

# demo WORDS...: a line for the "make demo" summary.
demo() { chan TTMH-DEMO "$@"; }

# arg NAME [DEFAULT]: the value of NAME= on the kernel command line (the
# last one wins), else DEFAULT.
arg() (
	set -f
	v=${2-}
	read -r line < /proc/cmdline
	for w in $line; do
		case $w in "$1="*) v=${w#*=} ;; esac
	done
	echo "$v"
)

# mode: the suffix of the scenario result names. "shrinker" with
# ttmh.shrink=1 (the default: vttm opts in to TTM's shrinker),
# "driver_shrinker" with ttmh.shrink=2 (vttm registers its own shrinker,
# built from TTM's helpers), "legacy" (the 6.12 path, vttm not opted in)
# otherwise.
mode() {
	case "$(arg ttmh.shrink 1)" in
	1) echo shrinker ;;
	2) echo driver_shrinker ;;
	*) echo legacy ;;
	esac
}

# shrinking: true if some shrinker reclaims vttm's pages (either mode).
shrinking() { [ "$(mode)" != legacy ]; }

# swapdev: ttmh.swapdev=, the kind of swap device: disk (the default,
# /dev/vda) or zram (/dev/zram0).
swapdev() { arg ttmh.swapdev disk; }

# profile: ttmh.profile=: "full" (the default) or "debug" (a KASAN +
# lockdep + kmemleak kernel under TCG: pages go to swap at ~1 MiB/s).
profile() {
	if [ "$(arg ttmh.profile full)" = debug ]; then echo debug; else echo full; fi
}

mem_mib() { awk '$1 == "MemTotal:" {print int($2 / 1024)}' /proc/meminfo; }
mem_avail_mib() { awk '$1 == "MemAvailable:" {print int($2 / 1024)}' /proc/meminfo; }
swap_free_mib() { awk '$1 == "SwapFree:" {print int($2 / 1024)}' /proc/meminfo; }
# The swap size, rounded up (the swap header takes a page).
swap_total_mib() { awk '$1 == "SwapTotal:" {print int(($2 + 1023) / 1024)}' /proc/meminfo; }

# oom_kills: OOM kills since boot (the kernel's counter, not dmesg, which
# can wrap).
# A kernel without the counter (CONFIG_VM_EVENT_COUNTERS) prints a word
# that stops a script at its first arithmetic on it, instead of reading 0.
oom_kills() {
	awk '$1 == "oom_kill" {print $2; found = 1} END {if (!found) print "no_oom_kill_counter:"}' /proc/vmstat
}

# kv KEY LINE: the value of KEY=value in LINE.
kv() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# shrinker_stat KEY: a counter of debugfs ttm/shrinker (empty on a kernel
# without the shrinker).
shrinker_stat() {
	awk -v k="$1" '$1 == k {print $2}' /sys/kernel/debug/ttm/shrinker 2>/dev/null
}

# sized WHAT ARG: the sizes of the scenarios, for this profile, in MiB
# (calls for "calls"); the one place that sizes them. The full profile
# sizes as each scenario describes. The debug profile keeps what one
# scenario pushes to swap to about 48 MiB (under a minute each way),
# the whole debug run (overcommit, pressure-mlock, stop, interrupt,
# inject, fuzz; 320 MiB RAM) to about 8 minutes.
#   sized overcommit PCT  the objects of scenario 1: PCT% of RAM; debug:
#                         MemAvailable + 48 MiB * PCT / 200 (the workers
#                         free each object once verified: see
#                         scn-overcommit)
#   sized idle PCT        idle objects that a hog pushes out: PCT% of RAM;
#                         debug: the same, at most MemAvailable / 2, at
#                         least 80 MiB; a multiple of 8 MiB
#   sized object MIB      one object of MIB; debug: MIB / 6, a multiple
#                         of 8 MiB, at least 8
#   sized hog PCT MIB     a hog that pushes out MIB of idle objects: PCT%
#                         of RAM; debug: MemAvailable now + MIB (at most
#                         48): that much must go to swap
#   sized calls N         calls per fuzz seed: N; debug: N / 32
#   sized paths MIB       the objects (and the squeeze) of the driver-path
#                         scenarios (busy, pipelined, caching, dmabuf,
#                         pinned, evict): MIB; debug: MIB / 4, a
#                         multiple of 8, at least 16
#   sized drop MIB        the objects of scn-drop: MIB; debug: 8 (the
#                         small debug VM is short of memory after the
#                         scenarios before it, and reclaim would take
#                         them first)
#   sized content PCT     the objects of scn-content: PCT% of RAM; debug:
#                         32 MiB (under MemAvailable: each pass over
#                         more than that would push every object out
#                         and back, twice per cycle)
sized() (
	p=$(profile)
	case "$p:$1" in
	full:overcommit | full:idle | full:hog | full:content)
		echo $(($2 * $(mem_mib) / 100)) ;;
	full:object | full:calls | full:paths | full:drop)
		echo "$2" ;;
	debug:paths)
		n=$(($2 / 4 / 8 * 8))
		[ "$n" -ge 16 ] || n=16
		echo "$n" ;;
	debug:overcommit)
		echo $(($(mem_avail_mib) + 48 * $2 / 200)) ;;
	debug:idle)
		n=$(($2 * $(mem_mib) / 100))
		half=$(($(mem_avail_mib) / 2))
		[ "$n" -le "$half" ] || n=$half
		[ "$n" -ge 80 ] || n=80
		echo $((n / 8 * 8)) ;;
	debug:object)
		n=$(($2 / 6 / 8 * 8))
		[ "$n" -ge 8 ] || n=8
		echo "$n" ;;
	debug:hog)
		push=$3
		[ "$push" -le 48 ] || push=48
		echo $(($(mem_avail_mib) + push)) ;;
	debug:calls)
		echo $(($2 / 32)) ;;
	debug:content)
		echo 32 ;;
	debug:drop)
		echo 8 ;;
	*)
		echo "sized: unknown size $1" >&2
		exit 1 ;;
	esac
)

# vstat KEY: a counter of vttm's debugfs file dri/<dev>/vttm_stats.
vstat() {
	cat /sys/kernel/debug/dri/*/vttm_stats 2>/dev/null |
		awk -v k="$1" '$1 == k {print $2; exit}'
}

# backup_file: the debugfs file of the pool's backup and restore counters
# (caching_changes, backup_whole, ..., and with the insert backend
# inserted and insert_fallback): ttm/backup, or ttm/page_pool_backup, its
# name on kernels that have no ttm/backup.
backup_file() {
	if [ -r /sys/kernel/debug/ttm/backup ]; then
		echo /sys/kernel/debug/ttm/backup
	else
		echo /sys/kernel/debug/ttm/page_pool_backup
	fi
}

# pool_stat KEY: a counter of that file (empty if it has none).
pool_stat() {
	awk -v k="$1" '$1 == k {print $2}' "$(backup_file)" 2>/dev/null
}

# reload_vttm [PARAM=VALUE...]: unload vttm and load it again with these
# parameters (and the shrink mode of the run). Returns 1 on failure.
reload_vttm() {
	rmmod vttm 2>/dev/null
	modprobe vttm shrink="$(arg ttmh.shrink 1)" "$@"
}

# vttm_idle [SECONDS]: wait (default 60 s) until the device has no object,
# pin, fence, kernel mapping or TT space left, and TTM no buffer object
# (ghosts included), as after every workload; returns 1 if some are left,
# and prints the counters either way.
vttm_idle() (
	n=$((${1:-60} * 10))
	while :; do
		c="bo_count=$(vstat bo_count) pinned_pages=$(vstat pinned_pages) fences=$(vstat fences) kmaps=$(vstat kmaps) tt_used_pages=$(vstat tt_used_pages) ttm_bos=$(cat /sys/kernel/debug/ttm/buffer_objects 2>/dev/null)"
		case "$c" in
		*=[1-9]* | *=-* | *"= "* | *=) ;;
		*) echo "$c"; exit 0 ;;
		esac
		n=$((n - 1))
		if [ "$n" -le 0 ]; then echo "$c"; exit 1; fi
		sleep 0.1
	done
)

# fdinfo_kib PID KEY: KEY (e.g. drm-resident-memory) of PID's vttm render
# node file in fdinfo, in KiB (DRM prints sizes in the largest unit that
# divides them: B, KiB, MiB or GiB); empty if it has none.
fdinfo_kib() (
	for f in /proc/"$1"/fd/*; do
		case "$(readlink "$f")" in
		/dev/dri/renderD*)
			awk -v k="$2:" '$1 == k {
				m = $3 == "GiB" ? 1048576 : $3 == "MiB" ? 1024 : $3 == "KiB" ? 1 : 1 / 1024
				printf "%d\n", $2 * m; exit
			}' "/proc/$1/fdinfo/${f##*/}"
			exit 0 ;;
		esac
	done
)

# squeeze_sampling MIB CMD: squeeze MIB in the background and run CMD
# every 0.2 s until the hog ends. Sets hogst like run_hog.
squeeze_sampling() {
	hog --mib $(($(mem_avail_mib) + $1)) --passes 1 > /tmp/squeeze.out 2>&1 &
	sqpid=$!
	while kill -0 "$sqpid" 2>/dev/null; do
		$2
		sleep 0.2
	done
	wait "$sqpid"
	case $? in
	0) hogst=completed ;;
	137) hogst=oom-killed ;;
	*) hogst=failed ;;
	esac
	cat /tmp/squeeze.out
}

# squeeze MIB: a hog that needs MIB more than is available, once: pushes
# about MIB out of memory. Sets what run_hog sets.
squeeze() { run_hog $(($(mem_avail_mib) + $1)) --passes 1; }

# load_vttm: load the virtual driver, opted in to the shrinker or not
# (ttmh.shrink); without it the test cannot run: FAIL and exit 1.
load_vttm() {
	lsmod | grep -q '^vttm ' && return 0
	if ! modprobe vttm shrink="$(arg ttmh.shrink 1)"; then
		result modprobe.vttm FAIL "modprobe vttm failed"
		exit 1
	fi
	# The ttm/shrinker file only exists on kernels with the shrinker.
	return 0
}

# abort NAME DETAIL: the test cannot go on: NAME fails with DETAIL, exit 1.
abort() {
	result "$1" FAIL "$2"
	exit 1
}

# work_opts: the vttm-work options that this VM needs, printed: the one
# place that decides them. With ttmh.swapdev=zram, --compressible (zram
# cannot free memory for incompressible PRNG pages).
work_opts() {
	if [ "$(swapdev)" = zram ]; then echo --compressible; fi
}

# vttm_work ARGS...: vttm-work with work_opts.
vttm_work() {
	# shellcheck disable=SC2046 # work_opts prints whole options
	vttm-work $(work_opts) "$@"
}

# start_holder OUT ARGS...: run "vttm-work ARGS --hold" in the background,
# output to OUT, and wait until its objects are created and filled.
# Sets: holder, its pid. Returns 1 if it died before.
start_holder() {
	out=$1
	shift
	# Empty OUT first: a "ready" left there by an earlier holder must not
	# count (truncating is the job's, which may not have run yet).
	: > "$out"
	# vttm-work itself is the background job: it gets the signals.
	# shellcheck disable=SC2046 # work_opts prints whole options
	vttm-work $(work_opts) "$@" --hold > "$out" 2>&1 &
	holder=$!
	while ! grep -q "^VTTM-WORK ready" "$out"; do
		kill -0 "$holder" 2>/dev/null || return 1
		sleep 1
	done
}

# signal_holder OUT LINE PID: SIGUSR1 to the holder PID, then wait until
# OUT has a line that starts with LINE. Returns 1 if it died before.
signal_holder() {
	kill -USR1 "$3" 2>/dev/null || return 1
	while ! grep -q "^$2" "$1"; do
		kill -0 "$3" 2>/dev/null || return 1
		sleep 1
	done
}

# rewrite_holder OUT GEN [PID]: let the holder PID (default $holder),
# started with --rewrite, write generation GEN into its objects: SIGUSR1,
# then wait until OUT has "VTTM-WORK rewritten gen=GEN" (for GEN > 1, the
# same signal first verifies generation GEN - 1). Returns 1 if it died
# before.
rewrite_holder() {
	signal_holder "$1" "VTTM-WORK rewritten gen=$2 " "${3:-$holder}"
}

# mark_holder OUT [PID]: let the holder PID (default $holder), started
# with --late-purgeable, mark its purgeable objects: SIGUSR1, then wait
# until OUT has "VTTM-WORK marked". Sets: mline, that line. Returns 1 if
# it died before.
# shellcheck disable=SC2034 # the documented output variable
mark_holder() {
	signal_holder "$1" "VTTM-WORK marked " "${2:-$holder}" || return 1
	mline=$(grep "^VTTM-WORK marked " "$1")
}

# finish_holder OUT [PID]: let the holder PID (default $holder) verify,
# wait for it and copy OUT to the console. Sets: holdrc (its exit status,
# 137 if killed), vline (its last "VTTM-WORK verify" line: with --rewrite,
# the last generation's), pages, intact and purged (purged_bos) from that
# line; empty if it died before.
# shellcheck disable=SC2034 # the documented output variables
finish_holder() {
	kill -USR1 "${2:-$holder}" 2>/dev/null
	wait "${2:-$holder}"
	holdrc=$?
	cat "$1"
	vline=$(grep "^VTTM-WORK verify" "$1" | tail -n 1)
	pages=$(kv pages "$vline")
	intact=$(kv intact "$vline")
	purged=$(kv purged_bos "$vline")
}

# run_hog MIB [hog options]: run the hog, its output to the console. Sets:
# hogst (completed, oom-killed or failed), hogs (its seconds, empty unless
# completed).
# shellcheck disable=SC2034 # the documented output variables
run_hog() {
	hogout=$(hog --mib "$@" 2>&1)
	hogrc=$?
	echo "$hogout"
	case "$hogrc" in
	0) hogst=completed ;;
	137) hogst=oom-killed ;;
	*) hogst=failed ;;
	esac
	hogs=$(echo "$hogout" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
}

# pages_intact PAGES INTACT: a verify line counted pages, all intact.
pages_intact() { [ "${1:-0}" -gt 0 ] && [ "$2" = "$1" ]; }

# all_intact: the same for the holder's verify line (finish_holder).
all_intact() { pages_intact "$pages" "$intact"; }

# need WHY TEXT COMMAND...: print WHY, the failed conditions so far, with
# TEXT added if COMMAND fails. A scenario collects its failed conditions:
#   why=$(need "$why" "hog=$hogst (want completed)" [ "$hogst" = completed ])
need() (
	why=$1
	text=$2
	shift 2
	if "$@"; then echo "$why"; else echo "${why:+$why, }$text"; fi
)

# need_holder WHY: WHY with the holder's failed conditions (finish_holder):
# it exited 0 and every page it verified is intact.
need_holder() {
	need "$(need "$1" "holder_rc=$holdrc (want 0)" [ "$holdrc" = 0 ])" \
		"intact=${intact:-0}/${pages:-0} (want all)" all_intact
}

# verdict NAME WHY DETAIL: PASS with DETAIL if no condition failed (WHY
# empty), else FAIL with the failed conditions first: "WHY; DETAIL".
verdict() {
	if [ -z "$2" ]; then
		result "$1" PASS "$3"
	else
		result "$1" FAIL "$2; $3"
	fi
}

# inject NAME PROBABILITY TIMES: arm a TTM fault injection point.
inject() (
	d=/sys/kernel/debug/ttm/$1
	[ -d "$d" ] || exit 1
	echo 0 > "$d/verbose"
	echo 1 > "$d/interval"
	echo "$2" > "$d/probability"
	echo "$3" > "$d/times"
)

# injected NAME TIMES: how often the point fired since inject; disarms it.
injected() (
	d=/sys/kernel/debug/ttm/$1
	left=$(cat "$d/times")
	echo 0 > "$d/probability"
	echo $(($2 - left))
)

# trace_on / trace_off / trace_count EVENT [TEXT]: count TTM trace events
# (with TEXT in the line).
trace_on() {
	echo > /sys/kernel/tracing/trace
	echo 16384 > /sys/kernel/tracing/buffer_size_kb
	echo 1 > /sys/kernel/tracing/events/ttm/enable
}
trace_off() { echo 0 > /sys/kernel/tracing/events/ttm/enable; }
trace_count() {
	grep " $1:" /sys/kernel/tracing/trace | grep -c -- "${2:-}"
}
