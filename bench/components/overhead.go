// Command overhead prints the microseconds per no-op job through a generated
// Go component. bench/claims.mjs copies it into a generated project as
// cmd/overhead/main.go, next to the run function of overhead-<pattern>.go
// with MODULE replaced by the project's module path, and runs it there:
//
//	overhead -jobs N -workers N -samples N [-cpuprofile FILE]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"syscall"
	"time"
)

func main() {
	jobs := flag.Int("jobs", 100_000, "no-op jobs")
	workers := flag.Int("workers", 4, "pool workers")
	samples := flag.Int("samples", 3, "samples after one warm-up")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the measured runs to this file")
	flag.Parse()
	perJob := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 / float64(*jobs) }
	measure := func() (wall, cpu float64) {
		used, start := processCPU(), time.Now()
		run(*jobs, *workers)
		return perJob(time.Since(start)), perJob(processCPU() - used)
	}
	measure()
	if *profile != "" {
		file, err := os.Create(*profile)
		if err == nil {
			err = pprof.StartCPUProfile(file)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	walls, cpus := make([]float64, *samples), make([]float64, *samples)
	for i := range walls {
		walls[i], cpus[i] = measure()
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]any{"samples_us": walls, "cpu_samples_us": cpus}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// processCPU is the CPU time every thread of this process has used.
func processCPU() time.Duration {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
