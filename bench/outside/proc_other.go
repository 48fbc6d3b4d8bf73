//go:build !linux

package main

import (
	"os/exec"
	"time"
)

// processCPU is not measured off Linux: the CPU columns read 0.
func processCPU(int) time.Duration { return 0 }

// selfCPU is not measured off Linux: the CPU columns read 0.
func selfCPU() time.Duration { return 0 }

// dieWithParent does nothing off Linux: a child outlives a killed parent.
func dieWithParent(*exec.Cmd) {}
