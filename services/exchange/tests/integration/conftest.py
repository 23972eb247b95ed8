"""Makes the exchange test kit importable (tests/ sits outside the rootdir's pythonpath)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
