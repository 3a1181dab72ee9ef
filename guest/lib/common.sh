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
