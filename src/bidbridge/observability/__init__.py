"""Operating several nodes: health and readiness, Prometheus metrics, structured logs."""
