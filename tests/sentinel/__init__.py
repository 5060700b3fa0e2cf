"""Level 4 on a real Sentinel topology: failover, recovery, nothing acknowledged lost."""
