package model

// XPF is an amount in francs CFP. XPF has no minor unit: amounts are whole francs, never floats.
type XPF int64
