"""Perks: what a card entitles its holder to, and the rules that decide whether it may be used now."""
