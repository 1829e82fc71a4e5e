"""ember.nn.utils (in progress)."""
