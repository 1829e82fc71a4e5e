"""ember.nn.init (in progress)."""
