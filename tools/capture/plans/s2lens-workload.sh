#!/bin/sh
# The workload the s2lens plan records: each phase is marked with trace_marker, the way the
# recording guide shows users to mark theirs. Arguments as in realvm-capture's plans/full.sh.
M=/sys/kernel/tracing/trace_marker
# (a) race4_4k: 4 vCPUs write the same 512 4K pages at the same instant (lost races)
echo "stage2-lens: phase race4_4k" > $M
/bin/kvmtest -v 4 -m 2 -H nothp -P -s 'ta*'
# (b) dirty logging without eager split: write-protect, split in the fault path (BBM), relax,
#     re-protect, logging off, coalesce back to 2 MiB blocks (BBM table -> block)
echo "stage2-lens: phase dirty_noeager" > $M
/bin/kvmtest -v 2 -m 4 -H thp -p -P -s 'ta/,L1,ta/,G,L0,ta/'
# (c) eager split at 2 MiB, then a host-side unmap (MADV_DONTNEED) and refault
echo "stage2-lens: phase dirty_eager_unmap" > $M
/bin/kvmtest -v 2 -m 4 -H thp -p -P -e 2097152 -s 'ta/,L1,ta/,G,L0,ta/,D1,ta/'
# (d) page aging by DAMON (clears stage-2 access flags), then re-read
echo "stage2-lens: phase access_age" > $M
/bin/kvmtest -v 1 -m 2 -H nothp -p -s 'ta0,A200,ra0'
