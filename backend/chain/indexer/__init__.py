"""The chain indexer: fold.py is what events do to cards (pure), indexer.py follows the chain into the
database (polling, reorgs, the lease, the thread)."""
