"""An example of a backend written as a third party would: an entry point and a few lines over the ndarray base."""
__version__ = "0.1.0"
