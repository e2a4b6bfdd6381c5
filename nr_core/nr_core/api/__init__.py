"""The array namespace's frontends, split by function family as the standard is: each validates its input,
then dispatches its op-table entry. ``nr_core/__init__.py`` assembles the namespace from them; ``operators``
binds the array operators to ``Tensor``."""
