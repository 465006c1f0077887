import sys
from pathlib import Path

# `lessongrader` lives next to this folder; the grader puts grader/python on PYTHONPATH the same way.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

pytest_plugins = ["pytester"]
