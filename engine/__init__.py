"""saraban: a workflow and document engine for Thai government correspondence (งานสารบรรณ).

The package is named ``engine``; the distribution and console script are ``saraban``.
"""

__version__ = "0.1.0"
