"""XTS2 provider plugin ``money``."""
