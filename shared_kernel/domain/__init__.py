"""Building blocks every context's domain may use: no framework, no I/O."""
