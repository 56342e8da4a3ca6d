# The package is used from the source tree (python/), as an npm install ships it: no build step.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
