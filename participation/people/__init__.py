"""Public profiles: who someone is on the platform and what they contributed in public."""
