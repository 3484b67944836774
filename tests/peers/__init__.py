"""Other projects' own test suites, run against importcraft through thin adapters."""
