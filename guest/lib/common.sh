# Helpers for the guest scenario scripts (busybox sh).
result() { echo "TTMH-RESULT $*"; }
demo() { echo "TTMH-DEMO $*"; }
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p"; }
mem_mib() { awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo; }
oom_kills() { dmesg | grep -c "Out of memory: Killed process"; }
kv() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
shrinker_stat() {
	awk -v k="$1" '$1 == k {print $2}' /sys/kernel/debug/ttm/shrinker 2>/dev/null
}

SHRINK=$(arg ttmh.shrink)
[ -n "$SHRINK" ] || SHRINK=1
MODE=shrinker
[ "$SHRINK" = 1 ] || MODE=legacy

load_vttm() {
	lsmod | grep -q '^vttm ' && return 0
	modprobe vttm shrink="$SHRINK" || { result "modprobe.vttm" FAIL; exit 1; }
	# The ttm/shrinker file only exists on kernels with the shrinker.
	return 0
}

mem_avail_mib() { awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo; }
swap_free_mib() { awk '/SwapFree/ {print int($2 / 1024)}' /proc/meminfo; }

# start_holder OUT ARGS...: run "vttm-work ARGS --hold" in the background,
# output to OUT, and wait until its objects are created and filled.
# Sets $holder to its pid.
start_holder() {
	out=$1
	shift
	vttm-work "$@" --hold > "$out" 2>&1 &
	holder=$!
	while ! grep -q "^VTTM-WORK ready" "$out"; do
		kill -0 $holder 2>/dev/null || return 1
		sleep 1
	done
}

# finish_holder OUT: let the holder verify; sets $holdrc, $pages,
# $intact and $purged from its verify line.
finish_holder() {
	kill -USR1 $holder 2>/dev/null
	wait $holder
	holdrc=$?
	cat "$1"
	v=$(grep "^VTTM-WORK verify" "$1")
	pages=$(kv pages "$v")
	intact=$(kv intact "$v")
	purged=$(kv purged_bos "$v")
}

# run_hog MIB [hog options]: run the hog; sets $hogst (completed,
# oom-killed or failed) and $hogs (its seconds).
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

# all_intact: the holder exited 0 and every page it checked was intact.
all_intact() {
	[ "$holdrc" = 0 ] && [ -n "$pages" ] && [ "$pages" -gt 0 ] &&
		[ "$intact" = "$pages" ]
}

# inject NAME PROBABILITY TIMES: arm a TTM fault injection point.
inject() {
	d=/sys/kernel/debug/ttm/$1
	[ -d "$d" ] || return 1
	echo 0 > $d/verbose
	echo 1 > $d/interval
	echo "$2" > $d/probability
	echo "$3" > $d/times
}

# injected NAME TIMES: how often the point fired since inject; disarms it.
injected() {
	d=/sys/kernel/debug/ttm/$1
	left=$(cat $d/times)
	echo 0 > $d/probability
	echo $(($2 - left))
}

# trace_on / trace_count EVENT [FIELD=VALUE]: count TTM trace events.
trace_on() {
	echo > /sys/kernel/tracing/trace
	echo 16384 > /sys/kernel/tracing/buffer_size_kb
	echo 1 > /sys/kernel/tracing/events/ttm/enable
}
trace_off() { echo 0 > /sys/kernel/tracing/events/ttm/enable; }
trace_count() {
	grep " $1:" /sys/kernel/tracing/trace | grep -c -- "${2:-}"
}
