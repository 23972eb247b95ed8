import sys
from pathlib import Path

# --import-mode=importlib puts no test folder on sys.path; the fakes module lives beside us.
sys.path.insert(0, str(Path(__file__).parent))
