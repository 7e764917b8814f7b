"""The rule packs shipped with escalade (data only: YAML files, no code)."""
