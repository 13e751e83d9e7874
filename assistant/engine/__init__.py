"""The follow-through rules: load rules/*.yaml, evaluate them against the program, produce intents."""
