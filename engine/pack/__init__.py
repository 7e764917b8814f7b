"""Rule packs: loading, validation and compilation to durable_rules."""
