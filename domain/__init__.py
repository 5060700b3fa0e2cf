"""The domain: a pure model and the use-cases that apply its policies through ports."""
