"""resident backend: deployment records today; indexer, auth, perks and the API later."""
