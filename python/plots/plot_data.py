"""Reading the CSV files widthlab writes for its plots (UTF-8, a header line)."""
import csv


def read_csv(path):
    """The rows of a CSV file as dicts keyed by the header."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def num(s):
    """A cell as a float; NaN for an empty or non-numeric cell ("nan", "diverged", missing)."""
    try:
        return float(s)
    except (TypeError, ValueError):
        return float("nan")
