"""ember.nn.functional (in progress)."""
