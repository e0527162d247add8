# tests/bench/cluster-cpu.sh: sourced by the bench scripts (report-bench.sh, big-report.sh,
# bulk-bench.sh).
#
# cluster_ticks PID: clock ticks (getconf CLK_TCK a second) of CPU used so far by the
# PostgreSQL cluster whose postmaster is PID: the postmaster itself with the children it has
# reaped (e.g. pgbench's backends), and the children alive (the daemon's backends, autovacuum,
# the checkpointer...).
cluster_ticks() {
    # (a process may end between the glob and the read)
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pg="$1" '
        { pid = $1; sub(/^.*\) /, "") }  # fields from the state on: ppid is $2, utime $12
        pid == pg { t += $12 + $13 + $14 + $15 }
        $2 == pg { t += $12 + $13 }
        END { printf "%.0f", t }'
}
