//! Network analytics (scans and fan-out, beaconing, C2 fallback, long connections) over
//! network facts. Owned by the network work; the host analytics do not depend on it.
