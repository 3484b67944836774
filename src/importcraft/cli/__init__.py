"""Layer 5, the command line: ``importcraft run`` and friends, the run configuration and the
start-up hook that hands it to child processes.

May import every other part of importcraft; nothing imports it.
"""
