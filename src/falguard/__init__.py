"""falguard: find leaked fal.ai credentials before they ship."""

__version__ = "0.1.0"
