# bench/chart.gp - the chart of bench/results.md: how the cost grows.
#   left:  setup's four migrations, time against rows per table (log-log),
#          straightforward order and fast path
#   right: planning time of a one-month query against the number of monthly
#          partitions (log-log), warm and cold, the plain table as baseline,
#          and a query that cannot prune as the contrast
# Data from bench/scale_bench.sh (bench/out/scale_migration.dat,
# bench/out/scale_planning.dat). bench/run.sh calls:
#   gnuplot -e "datadir='bench/out'; outfile='bench/results.svg'; heading='...'" bench/chart.gp

if (!exists("datadir")) datadir = "bench/out"
if (!exists("outfile")) outfile = "bench/results.svg"
if (!exists("heading")) heading = "make bench"

mig = datadir . "/scale_migration.dat"
plan = datadir . "/scale_planning.dat"

set terminal svg size 1100,480 dynamic enhanced font "sans,12" background rgb "white"
set output outfile

set multiplot layout 1,2 title heading font "sans,13"

set logscale xy
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key top left box opaque
set border lc rgb "#555555"
set format x "%.0s%c"
set format y "%g"

# --- left: migration time against rows --------------------------------------
set title "setup's migrations (01-04, all four tables); labels: fast / straightforward"
set xlabel "rows per table"
set ylabel "seconds"
stats mig using 1 nooutput
set xrange [STATS_min / 2 : STATS_max * 2]
plot mig using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#c0392b" title "straightforward (keys first)", \
     mig using 1:3 with linespoints lw 2 pt 5 ps 0.8 lc rgb "#2471a3" title "fast path (keys after copy)", \
     mig using 1:3:(sprintf("%.2f", $3 / $2)) with labels offset 0,-1.2 font ",10" tc rgb "#2471a3" notitle

# --- right: planning time against partitions ---------------------------------
set title "planning a one-month query"
set xlabel "monthly partitions"
set ylabel "planning time, ms"
set xrange [8:1800]
set format x "%g"
set key top left
plot plan using 1:4 with linespoints lw 1 dt 2 pt 4 ps 0.7 lc rgb "#7f8c8d" title "no pruning (event\\_type filter), warm", \
     plan using 1:3 with linespoints lw 2 pt 6 ps 0.8 lc rgb "#d68910" title "one month, cold (new session)", \
     plan using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2471a3" title "one month, warm", \
     plan using 1:6 with lines lw 2 dt 3 lc rgb "#27ae60" title "plain table, one month, warm"

unset multiplot
