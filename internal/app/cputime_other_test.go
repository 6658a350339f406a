//go:build !unix

package app_test

import "time"

// cpuTime is not measured here (BenchmarkThroughput reports 0).
func cpuTime() time.Duration { return 0 }
