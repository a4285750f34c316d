"""XTS2 provider plugin ``cafe``."""
