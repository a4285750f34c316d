"""XTS2 provider plugin ``tickets``."""
