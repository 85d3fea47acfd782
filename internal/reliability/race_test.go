//go:build race

package reliability

// raceEnabled: the race detector slows decoding about twentyfold.
const raceEnabled = true
