"""Park-investment matchmaking for Guangdong biomedicine: policy knowledge base and ranking."""

__version__ = "0.1.0"
