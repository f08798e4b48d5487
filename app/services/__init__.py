"""Use cases: the rules that need data. No Flask here, so the CLI, imports and jobs share them."""
