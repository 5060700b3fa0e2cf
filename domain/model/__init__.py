"""Pure, synchronous domain model: value objects, rules, results and domain errors."""
