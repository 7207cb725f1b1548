// Preloaded with `node --import` by the benchmarks: reports the process's peak resident set size at exit.
process.on('exit', () => {
  process.stderr.write(`\ncleat-bench-maxrss-kib=${process.resourceUsage().maxRSS}\n`)
})
